// Exponential restart backoff on the real daemon: a process that fails at once is relaunched
// again and again, each relaunch at least twice as long after the previous start as the one
// before, up to restart-delay-max. Only lower bounds that hold whatever the machine's load are
// checked: the daemon must never relaunch early, and a busy machine only makes the gaps longer.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

(isBuilt() ? describe : describe.skip)('restart backoff (real daemon)', () => {
  const sb = sandboxEach('dinit-backoff-');
  let d: Dinit;

  it('waits restart-delay, then twice as long each time, up to restart-delay-max', async () => {
    const out = sb.outDir('out');
    const starts = path.join(out, 'starts');
    const script = path.join(out, 'crash.sh');
    // Records when it started (ns since the epoch), then fails.
    fs.writeFileSync(script, `#!/bin/sh\ndate +%s%N >> ${starts}\nexit 1\n`, { mode: 0o755 });
    sb.service('idle', 'type = internal');
    sb.service(
      'crash',
      'type = process',
      `command = ${script}`,
      'restart = yes',
      'restart-limit-count = 0',
      'restart-delay = 0.1',
      'restart-delay-max = 0.8',
    );
    d = await sb.start(['idle']);
    expect(d.ctl('--no-wait', 'start', 'crash').status).toBe(0);
    const times = () =>
      fs.existsSync(starts) ? fs.readFileSync(starts, 'utf8').trim().split('\n').map(Number) : [];
    await eventually('six launches', () => times().length >= 6);
    expect(d.ctl('stop', 'crash').status).toBe(0);
    const t = times().map((ns) => ns / 1e6);
    // Process i notes its start some time after its launch L(i), which came after process i-1
    // had exited, so after t(i-1); and L(i+1) >= L(i) + delay(i). Hence, whatever the latencies,
    // t(i+1) - t(i-1) >= delay(i): with the delays 100, 200, 400, 800, 800 ms of the backoff
    // (a fixed 100 ms would fail from the second bound on).
    const delays = [100, 200, 400, 800, 800];
    for (let i = 1; i < 5; i++) expect(t[i + 1] - t[i - 1]).toBeGreaterThanOrEqual(delays[i]);
    expect(d.ctl('why', 'crash').stdout).toMatch(/Restarts: ([5-9]|[1-9][0-9])/);
  });
});
