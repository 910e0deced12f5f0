// Every signal dinit(8) names, delivered to a running user-mode daemon: the ignored ones change
// nothing, SIGUSR1 re-creates a removed socket, SIGUSR2 re-executes in place keeping the
// service's process, SIGINT and SIGTERM stop services and exit 0, SIGQUIT exits at once.

import * as fs from 'node:fs';
import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const d = isBuilt() ? describe : describe.skip;

d('signals named in dinit(8), user mode', () => {
  const sb = sandboxEach('dinit-signals-');

  function pidOf(out: string): string | undefined {
    return /Process ID: (\d+)/.exec(out)?.[1];
  }

  it('ignores SIGTSTP, SIGTTIN, SIGTTOU and SIGPIPE; SIGUSR1 and SIGUSR2 keep every service', async () => {
    sb.service('svc', 'type = process', 'command = /bin/sleep 1000');
    const dn = await sb.start(['svc']);
    const pid = pidOf(dn.ctl('status', 'svc').stdout);
    expect(pid).toBeDefined();
    for (const sig of ['SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGPIPE'] as const) {
      process.kill(dn.pid, sig);
      expect(dn.ctl('is-started', 'svc').status).toBe(0);
    }
    fs.unlinkSync(dn.socket);
    process.kill(dn.pid, 'SIGUSR1');
    await eventually('the socket to be back', () => fs.existsSync(dn.socket));
    expect(pidOf(dn.ctl('status', 'svc').stdout)).toBe(pid);
    process.kill(dn.pid, 'SIGUSR2');
    await eventually(
      'the re-executed manager to answer',
      () => dn.ctl('is-started', 'svc').status === 0,
    );
    expect(pidOf(dn.ctl('status', 'svc').stdout)).toBe(pid);
    expect(dn.proc.exitCode).toBeNull();
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('stops every service and exits 0 on %s', async (sig) => {
    sb.service('svc', 'type = process', 'command = /bin/sleep 1000');
    const dn = await sb.start(['svc']);
    const pid = Number(pidOf(dn.ctl('status', 'svc').stdout));
    process.kill(dn.pid, sig);
    expect(await dn.exitWithin()).toBe(0);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('exits at once on SIGQUIT (its default action)', async () => {
    sb.service('svc', 'type = internal');
    const dn = await sb.start(['svc']);
    process.kill(dn.pid, 'SIGQUIT');
    expect(await dn.exitWithin()).toBe('SIGQUIT');
  });
});
