// Descriptions that are not files a reader should swallow: a link to /dev/zero, a FIFO, a file
// over the 1 MiB bound, a line over the 128 KiB bound. Each load fails at once with an error
// naming the file (and line); the daemon keeps answering.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const d = isBuilt() ? describe : describe.skip;

d('pathological service descriptions', () => {
  const sb = sandboxEach('dinit-baddesc-');

  it('refuses non-regular and oversized descriptions without blocking, naming the file', async () => {
    sb.service('boot', 'type = internal');
    fs.symlinkSync('/dev/zero', sb.path('sd', 'zero'));
    execFileSync('mkfifo', [sb.path('sd', 'fifo')]);
    const command = `command = /bin/true ${'x'.repeat(2 * 1024 * 1024)}`;
    sb.service('big', 'type = process', command);
    sb.service('long', 'type = process', command.slice(0, 200 * 1024));
    const dn = await sb.start(['-l', sb.path('dinit.log'), 'boot']);
    for (const name of ['zero', 'fifo', 'big', 'long']) {
      expect(dn.ctl('start', name).status).toBe(1);
    }
    expect(dn.ctl('is-started', 'boot').status).toBe(0);
    // The log line may follow the reply.
    await eventually('the last refusal to be logged', () =>
      sb.read('dinit.log').includes("'long'"),
    );
    const log = sb.read('dinit.log');
    expect(log).toContain(`Could not load service zero: ${sb.sd}/zero: not a regular file\n`);
    expect(log).toContain(`Could not load service fifo: ${sb.sd}/fifo: not a regular file\n`);
    expect(log).toContain(
      `Could not load service big: ${sb.sd}/big: file too large (limit 1048576 bytes)\n`,
    );
    expect(log).toContain(
      `Error in service description for 'long' (file ${sb.sd}/long, line 2): line too long (limit 131072 bytes).\n`,
    );
  });

  it('refuses an @include and an env-file that are not regular files', async () => {
    fs.symlinkSync('/dev/zero', sb.path('zero'));
    sb.service('inc', 'type = internal', `@include ${sb.path('zero')}`);
    sb.service('env', 'type = process', 'command = /bin/sleep 10', `env-file = ${sb.path('zero')}`);
    sb.service('boot', 'type = internal');
    const dn = await sb.start(['-l', sb.path('dinit.log'), 'boot']);
    expect(dn.ctl('start', 'inc').status).toBe(1);
    expect(dn.ctl('start', 'env').status).toBe(1);
    await eventually('both refusals to be logged', () =>
      sb.read('dinit.log').includes('environment file'),
    );
    const log = sb.read('dinit.log');
    expect(log).toContain(`${sb.path('zero')}: cannot open: not a regular file`);
    expect(log).toContain(
      `could not load environment file: ${sb.path('zero')}: not a regular file`,
    );
  });
});
