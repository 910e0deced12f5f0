// A burst of output into a buffer log: the buffer stays at log-buffer-size, the producer is
// never blocked (it finishes), and the daemon's memory does not follow the burst. The suite
// writes 64 MiB; DINIT_FAULT_BURST_MB=1024 gives the full 1 GB run.

import * as fs from 'node:fs';
import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const d = isBuilt() ? describe : describe.skip;
const BURST_MB = Number(process.env.DINIT_FAULT_BURST_MB ?? 64);

/** The daemon's resident anonymous memory in KiB (RssAnon from /proc). */
function rssAnonKb(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  return Number(/RssAnon:\s+(\d+)/.exec(text)?.[1] ?? 0);
}

d('a burst into a buffer log', () => {
  const sb = sandboxEach('dinit-burst-');

  it(`keeps ${BURST_MB} MiB of output to the buffer bound, lets the producer finish`, async () => {
    sb.service(
      'burst',
      'type = process',
      `command = /bin/sh -c "head -c ${BURST_MB}M /dev/zero | tr '\\\\0' x; touch ${sb.path('done')}"`,
      'log-type = buffer',
      'log-buffer-size = 65536',
    );
    sb.service('boot', 'type = internal');
    const dn = await sb.start(['boot'], { ctlTimeoutMs: 600000 });
    const before = rssAnonKb(dn.pid);
    expect(dn.ctl('start', 'burst').status).toBe(0);
    await eventually(
      'the producer to finish',
      () => fs.existsSync(sb.path('done')) && dn.ctl('is-started', 'burst').status !== 0,
      { timeoutMs: 600000 },
    );
    const log = dn.ctl('catlog', 'burst');
    expect(log.status).toBe(0);
    // Exactly the bound is kept; dinitctl marks the cut-off line.
    expect(log.stdout).toBe(`${'x'.repeat(65536)}\n(last line is truncated or incomplete)\n`);
    // Memory is a bound, not a timing: the burst must not stay in the daemon. Chunks already
    // read and dropped may wait for the garbage collector (Node 24 measured 68 MiB here), so the
    // bound is 128 MiB; a burst kept in the daemon shows at the full size
    // (DINIT_FAULT_BURST_MB=1024), where the same bound holds.
    expect(rssAnonKb(dn.pid) - before).toBeLessThan(128 * 1024);
  });
});
