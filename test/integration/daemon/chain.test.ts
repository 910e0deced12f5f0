// The real daemon (bin/dinit) loads, starts and stops a depends-on chain of 5,000 internal
// services: graph walks are iterative, so there is no depth limit (upstream stops at 32).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, sandboxAll } from '../../support/daemon';

const CHAIN = 5000;

(isBuilt() ? describe : describe.skip)('a 5,000-deep depends-on chain on the real daemon', () => {
  const sb = sandboxAll('dinit-core-chain-');

  test('loads, starts and stops every service in the chain', async () => {
    // Without a service to start on the command line, dinit starts 'boot'.
    sb.service('boot', 'type = internal');
    for (let i = 0; i < CHAIN; i++) {
      const dep = i + 1 < CHAIN ? `depends-on = s${i + 1}\n` : '';
      fs.writeFileSync(path.join(sb.sd, `s${i}`), `type = internal\n${dep}`);
    }
    // Loading and walking the whole chain is one request: give dinitctl minutes, not seconds.
    const d = await sb.start([], { ctlTimeoutMs: 300_000 });
    const ctl = (...args: string[]) => d.ctlOut(...args);

    const started = ctl('start', 's0');
    expect(started).toEqual({ status: 0, out: 'Service started.\n' });
    const list = ctl('list');
    expect(list.status).toBe(0);
    const lines = list.out.split('\n').filter((l) => /\bs\d+$/.test(l));
    expect(lines).toHaveLength(CHAIN);
    // s0 is marked active ([+]); every other service is started as a dependency ({+}).
    expect(lines[0]).toBe('[[+]     ] s0');
    expect(lines.slice(1).every((l) => l.startsWith('[{+}     ]'))).toBe(true);
    expect(ctl('is-started', `s${CHAIN - 1}`).status).toBe(0);

    // Stopping the head releases the whole chain down to the deepest service.
    const stopped = ctl('stop', 's0');
    expect(stopped).toEqual({ status: 0, out: 'Service stopped.\n' });
    expect(ctl('is-started', `s${CHAIN - 1}`).status).not.toBe(0);
    const after = ctl('list')
      .out.split('\n')
      .filter((l) => /\bs\d+$/.test(l));
    expect(after.every((l) => l.startsWith('[     {-}]'))).toBe(true);

    // Stopping the deepest service of a started chain stops every dependent before it.
    expect(ctl('start', 's0').status).toBe(0);
    expect(ctl('stop', '--force', `s${CHAIN - 1}`).status).toBe(0);
    expect(ctl('is-started', 's0').status).not.toBe(0);

    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
  }, 600_000);
});
