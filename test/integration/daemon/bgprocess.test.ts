// bgprocess on the real daemon: the launcher exits, the pid file is read, the daemon it names
// is supervised (restarted when it dies) and signalled when the service stops.

import { isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { alive } from '../../support/processes';

(isBuilt() ? describe : describe.skip)('bgprocess on the real daemon', () => {
  const sb = sandboxEach('dinit-core-bg-');
  let d: Dinit;
  const ctl = (...args: string[]) => d.ctlOut(...args);
  const daemonPid = (): number => Number(sb.read('d.pid').trim());

  beforeEach(async () => {
    const pidFile = sb.path('d.pid');
    sb.service('boot', 'type = internal');
    sb.service(
      'd',
      'type = bgprocess',
      `command = /bin/sh -c "sleep 60 & echo $$! > ${pidFile}"`,
      `pid-file = ${pidFile}`,
      'restart = yes',
      'restart-delay = 0.01',
      'stop-timeout = 4',
    );
    d = await sb.start(['-l', sb.path('log')]);
  });

  test('the daemon named by the pid file is supervised: restarted when it dies', async () => {
    expect(ctl('start', 'd')).toEqual({ status: 0, out: "Service 'd' started.\n" });
    const first = daemonPid();
    expect(ctl('status', 'd').out).toContain(`    Process ID: ${first}\n`);
    process.kill(first, 'SIGKILL');
    await eventually(
      'a new daemon',
      () => daemonPid() !== first && ctl('is-started', 'd').status === 0,
    );
    expect(ctl('status', 'd').out).toContain(`    Process ID: ${daemonPid()}\n`);
    expect(sb.read('log')).toContain('dinit: Service d terminated due to signal 9\n');
  });

  test('stop signals the daemon (its process group) and completes when it exits', async () => {
    expect(ctl('start', 'd').status).toBe(0);
    const pid = daemonPid();
    expect(ctl('stop', 'd')).toEqual({ status: 0, out: "Service 'd' stopped.\n" });
    await eventually('the daemon to be gone', () => !alive(pid));
    expect(sb.read('log')).not.toContain('exceeded allowed stop');
  });
});
