// The fd limit reached while booting: services that cannot get fds fail with a clear reason,
// the daemon keeps answering, and a failed service starts once fds are free again.

import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const d = isBuilt() ? describe : describe.skip;
const SERVICES = 80;

d('fd limit hit mid-boot', () => {
  const sb = sandboxEach('dinit-fdlimit-');

  it('fails what cannot launch with "Too many open files" and starts it again later', async () => {
    const names = Array.from({ length: SERVICES }, (_, i) => `s${i}`);
    for (const n of names) sb.service(n, 'type = process', 'command = /bin/sleep 1000');
    sb.service('boot', 'type = internal', ...names.map((n) => `waits-for: ${n}`));
    const dn = await sb.start(['boot'], { prefix: ['prlimit', '--nofile=64:64', '--'] });
    // boot waits for each service to start or fail; then every launch has been tried.
    expect(dn.ctl('start', 'boot').status).toBe(0);
    // Launches the spawner holds back until fds are free may still be settling.
    await eventually('every launch to settle', () => !dn.ctl('list').stdout.includes('<<'));
    const list = dn.ctl('list');
    expect(list.stderr).toBe('');
    const inState = (mark: string): string[] =>
      names.filter((n) =>
        list.stdout.split('\n').some((l) => l.startsWith(`${mark} ${n} `) || l === `${mark} ${n}`),
      );
    const started = inState('[{+}     ]');
    const failed = inState('[     {X}]');
    // Nothing is lost: each service either runs or failed to launch.
    expect(started.length + failed.length).toBe(SERVICES);
    for (const n of failed.slice(0, 3)) {
      const st = dn.ctl('status', n).stdout;
      expect(st).toContain('State: STOPPED (could not be launched)');
      expect(st).toContain('Error: Too many open files');
    }
    if (failed.length === 0) return; // launching costs no fd per process: nothing to retry
    for (const n of started.slice(0, 4)) expect(dn.ctl('stop', n).status).toBe(0);
    const again = dn.ctl('start', failed[0]);
    expect(again.stdout).toBe(`Service '${failed[0]}' started.\n`);
    expect(dn.ctl('is-started', failed[0]).status).toBe(0);
  });
});
