// dinit as the system's init, booted for real as PID 1 of a PID + mount namespace: PID 1 is the
// native init and not node, a small service tree runs, an orphan storm leaves no zombie, and
// every shutdown type ends the namespace with every process gone. Skipped (with the reason)
// where unshare cannot make namespaces.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DINIT_SHUTDOWN,
  bootNs,
  procInfo,
  waitFor,
  whyNoNamespaces,
  type NsBoot,
} from './ns-harness';

const why = whyNoNamespaces();
const describeNs = why === undefined ? describe : describe.skip;
if (why !== undefined) {
  console.log(`namespace boot tests skipped: ${why}`);
}

/** A small system: a getty-like service on a pty, a logger, a double-forking daemon. */
const tree = (dir: string): Record<string, string> => ({
  boot: 'type = internal\nwaits-for = getty\nwaits-for = logger\nwaits-for = daemon\n',
  getty: 'type = process\ncommand = /usr/bin/script -q -c "/bin/sleep 1000" /dev/null\n',
  logger: `type = process\ncommand = /bin/sh -c "exec /bin/sleep 1001"\n`,
  daemon:
    'type = bgprocess\n' +
    `command = /bin/sh -c "/bin/sleep 1002 & echo $$! > ${dir}/daemon.pid"\n` +
    `pid-file = ${dir}/daemon.pid\n`,
});

const zombies = (b: NsBoot): number[] => b.pids().filter((p) => procInfo(p)?.state === 'Z');

describeNs('dinit as PID 1 of a namespace', () => {
  jest.setTimeout(60000);
  let boot: NsBoot | undefined;
  afterEach(async () => {
    await boot?.cleanup();
    boot = undefined;
  });

  it('runs the native init as PID 1 and the Node manager as its child', async () => {
    boot = await bootNs([], tree);
    const b = boot;
    expect(procInfo(b.init)?.comm).toBe('dinit-init');
    expect(path.basename(fs.readlinkSync(`/proc/${b.init}/exe`))).toBe('dinit-init');
    const mgr = b.manager();
    expect(mgr).toBeDefined();
    expect(procInfo(mgr as number)?.ppid).toBe(b.init);
    expect(await waitFor(() => b.ctl('is-started', 'daemon').status === 0, 10000)).toBe(true);
    const list = b.ctl('list').stdout;
    for (const s of ['boot', 'getty', 'logger', 'daemon']) {
      expect(list).toMatch(new RegExp(`^\\[.\\+.     \\] ${s}`, 'm'));
    }
    // The system socket exists only inside the namespace's own /run (a tmpfs).
    expect(b.inside(['test', '-e', '/run']).status).toBe(0);
  });

  it('leaves no zombie after an orphan storm, inside and outside the manager', async () => {
    const storm = (dir: string): string => {
      const file = path.join(dir, 'storm.sh');
      fs.writeFileSync(file, 'for i in $(seq 200); do ( /bin/sleep 0.$((i % 3)) & ); done\n');
      return file;
    };
    boot = await bootNs([], (dir) => ({
      ...tree(dir),
      storm: `type = scripted\ncommand = /bin/sh ${storm(dir)}\n`,
    }));
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'daemon').status === 0, 10000)).toBe(true);
    const baseline = b.pids().length;
    expect(b.ctl('start', 'storm').status).toBe(0);
    // Orphans that reach PID 1 directly: a process entered from outside whose children outlive it.
    const r = b.inside(['/bin/sh', path.join(b.dir, 'storm.sh')]);
    expect(r.status).toBe(0);
    // Every orphan exits within a second; give them time, then none may be left unreaped.
    await waitFor(() => b.pids().length <= baseline && zombies(b).length === 0, 15000);
    expect(b.pids().length).toBe(baseline);
    expect(zombies(b)).toEqual([]);
    expect(b.ctl('is-started', 'getty').status).toBe(0);
  });

  const types: [string, string, NodeJS.Signals][] = [
    ['halt', '-h', 'SIGINT'],
    ['poweroff', '-p', 'SIGINT'],
    ['reboot', '-r', 'SIGHUP'],
    // No kexec kernel is loaded (and a namespace cannot kexec): the init falls back to reboot.
    ['kexec', '-k', 'SIGHUP'],
  ];
  it.each(types)('%s ends the namespace with every process gone', async (_t, flag, signal) => {
    boot = await bootNs([], tree);
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'daemon').status === 0, 10000)).toBe(true);
    const before = b.pids();
    expect(before.length).toBeGreaterThan(4);
    const r = spawnSync('node', [DINIT_SHUTDOWN, '--socket-path', b.socket, flag], {
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(r.stdout).toContain('Issuing shutdown command');
    // reboot(2) in a PID namespace ends its init with SIGINT (halt, power off) or SIGHUP (reboot).
    const end = await b.exited;
    expect(end.signal ?? end.code).toBe(signal);
    expect(before.filter((p) => procInfo(p) !== undefined)).toEqual([]);
  });

  it('soft-reboot restarts the manager with the same arguments and boots again', async () => {
    boot = await bootNs([], tree);
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'daemon').status === 0, 10000)).toBe(true);
    const oldManager = b.manager();
    const oldGetty = b.pids().find((p) => procInfo(p)?.comm === 'script');
    const r = spawnSync('node', [DINIT_SHUTDOWN, '--socket-path', b.socket, '-s'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(r.status).toBe(0);
    expect(
      await waitFor(() => {
        const m = b.manager();
        return m !== undefined && m !== oldManager && b.ctl('is-started', 'daemon').status === 0;
      }, 20000),
    ).toBe(true);
    expect(procInfo(b.init)?.comm).toBe('dinit-init');
    expect(oldGetty === undefined || procInfo(oldGetty) === undefined).toBe(true);
  });

  it('dinit-shutdown --system shuts down at once through the init', async () => {
    boot = await bootNs([], tree);
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'daemon').status === 0, 10000)).toBe(true);
    const before = b.pids();
    b.inside(['node', DINIT_SHUTDOWN, '--system', '-r']);
    const end = await b.exited;
    expect(end.signal ?? end.code).toBe('SIGHUP');
    expect(before.filter((p) => procInfo(p) !== undefined)).toEqual([]);
  });

  it('SIGTERM to PID 1 stops the services in order and halts', async () => {
    boot = await bootNs([], tree);
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'daemon').status === 0, 10000)).toBe(true);
    process.kill(b.init, 'SIGTERM');
    const end = await b.exited;
    expect(end.signal ?? end.code).toBe('SIGINT');
    expect(b.output()).not.toMatch(/restarting the service manager/);
  });
});
