// Readiness notification through the real daemon: with ready-notification = pipefd:N or
// pipevar:VAR a process service is STARTED only once it writes to the pipe, its dependents
// wait until then, and closing the pipe without writing fails the start.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { alive } from '../../support/processes';

const READY = path.join(FIXTURES, 'ready.sh');

(isBuilt() ? describe : describe.skip)('readiness notification (real daemon)', () => {
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;

  const status = (name: string) => d.ctl('status', name).stdout;

  it.each([
    ['pipefd:5', '5', '5'],
    ['pipevar:READY_FD', 'READY_FD', undefined],
  ])(
    'with ready-notification = %s the service starts only once it writes',
    async (setting, arg, fd) => {
      const out = sb.outDir('out');
      sb.service(
        'slow',
        'type = process',
        `command = ${READY} ${out} ${arg}`,
        `ready-notification = ${setting}`,
      );
      sb.service('after', 'type = internal', 'depends-on = slow');
      sb.service('idle', 'type = internal');
      d = await sb.start(['idle']);
      expect(d.ctl('--no-wait', 'start', 'after').status).toBe(0);
      await eventually('the service to run', () => fs.existsSync(path.join(out, 'waiting')));
      const got = fs.readFileSync(path.join(out, 'fd'), 'utf8').trim();
      if (fd) expect(got).toBe(fd);
      else expect(got).toMatch(/^[0-9]+$/);
      expect(status('slow')).toMatch(/State: STARTING/);
      expect(status('after')).toMatch(/State: STARTING/);
      fs.writeFileSync(path.join(out, 'go'), '');
      await eventually('after to start', () => d.ctl('is-started', 'after').status === 0);
      expect(status('slow')).toMatch(/State: STARTED/);
    },
  );

  it('fails the start when the service closes the pipe without writing', async () => {
    const out = sb.outDir('out');
    sb.service(
      'mute',
      'type = process',
      `command = ${READY} ${out} 4 close`,
      'ready-notification = pipefd:4',
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    expect(d.ctl('--no-wait', 'start', 'mute').status).toBe(0);
    await eventually('the service to run', () => fs.existsSync(path.join(out, 'waiting')));
    expect(status('mute')).toMatch(/State: STARTING/);
    fs.writeFileSync(path.join(out, 'go'), '');
    await eventually('the start to fail', () => /State: STOPPED/.test(status('mute')));
    // As upstream: the start fails (shown as [FAILED]) and the process is stopped.
    const pid = Number(fs.readFileSync(path.join(out, 'pid'), 'utf8'));
    await eventually('the process to be stopped', () => !alive(pid));
  });
});
