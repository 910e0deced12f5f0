// The real dinit daemon in user mode on fixture services (fixtures/integration): start and stop
// order, restart after a kill, SIGTERM shutdown, exit when nothing is active, and robustness
// against a malformed packet and a bad service file.

import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { DINIT, DINITCTL, SERVICES, isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const haveCtl = fs.existsSync(DINITCTL);
const describeBuilt = isBuilt() ? describe : describe.skip;
const itCtl = haveCtl ? it : it.skip;

describeBuilt('dinit daemon (user mode, real processes)', () => {
  const sb = sandboxEach('dinit-itest-');
  /** Starts dinit on the fixture services, which record what they do in the sandbox. */
  const startDaemon = (
    args: string[],
    opts: { quiet?: boolean; prefix?: string[] } = {},
  ): Promise<Dinit> =>
    sb.start(args, { servicesDir: SERVICES, env: { ...process.env, OUT_DIR: sb.dir }, ...opts });
  const events = (): string[] => sb.lines('events');
  /** The pid a fixture script recorded in <name>.pid, or undefined. */
  const recordedPid = (name: string): number | undefined =>
    Number(sb.read(`${name}.pid`)) || undefined;
  let d: Dinit;

  it('starts dependencies before dependents and stops them in reverse order on SIGTERM', async () => {
    d = await startDaemon(['a']);
    await eventually('a to start', () => events().includes('start a'));
    expect(events()).toEqual(['start c', 'start b', 'start a']);
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
    expect(events()).toEqual(['start c', 'start b', 'start a', 'stop a', 'stop b', 'stop c']);
  });

  // dinit-ts extension: upstream dies of SIGHUP and leaves its services running.
  const itOurs = process.env.DINIT === undefined ? it : it.skip;

  itOurs(
    'stops every service in reverse order and exits on SIGHUP (the terminal went away)',
    async () => {
      d = await startDaemon(['a']);
      await eventually('a to start', () => events().includes('start a'));
      d.proc.kill('SIGHUP');
      expect(await d.exitWithin()).toBe(0);
      expect(events()).toEqual(['start c', 'start b', 'start a', 'stop a', 'stop b', 'stop c']);
    },
  );

  itOurs('keeps running on SIGHUP when started with SIGHUP ignored (nohup)', async () => {
    d = await startDaemon(['a'], { prefix: ['nohup'] });
    await eventually('a to start', () => events().includes('start a'));
    d.proc.kill('SIGHUP');
    expect(d.ctl('is-started', 'a').status).toBe(0);
    expect(d.proc.exitCode).toBeNull();
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
    expect(events()).toEqual(['start c', 'start b', 'start a', 'stop a', 'stop b', 'stop c']);
  });

  it('exits with status 0 once a self-terminating service has stopped and nothing is active', async () => {
    d = await startDaemon(['quick']);
    expect(await d.exitWithin()).toBe(0);
    expect(events()).toEqual(['ran quick']);
    expect(d.stdout()).toBe('');
    expect(d.stderr()).toBe('');
  });

  it('restarts a process service after its process is killed', async () => {
    d = await startDaemon(['restarter']);
    await eventually('restarter pid', () => recordedPid('restarter') !== undefined);
    const first = recordedPid('restarter')!;
    process.kill(first, 'SIGKILL');
    await eventually(
      'second start',
      () => events().filter((l) => l === 'start restarter').length === 2,
    );
    await eventually('new pid', () => recordedPid('restarter') !== first);
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
    expect(events()).toEqual(['start restarter', 'start restarter', 'stop restarter']);
  });

  it('prints service status lines on the console unless -q is given', async () => {
    d = await startDaemon(['c'], { quiet: false });
    await eventually('c to start', () => events().includes('start c'));
    d.proc.kill('SIGINT');
    expect(await d.exitWithin()).toBe(0);
    // Only the status lines: a warning about the environment (cgroups) may precede them.
    expect(
      d
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('[')),
    ).toEqual(['[  OK  ] c', '[STOPPD] c']);
  });

  it('fails only the load of a bad service file named on the command line', async () => {
    d = await startDaemon(['bad', 'c'], { quiet: false });
    await eventually('c to start', () => events().includes('start c'));
    await eventually('load error on the console', () =>
      d.stdout().includes("Error in service description for 'bad'"),
    );
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
  });

  it('reports a service whose program does not exist as failed and keeps the others running', async () => {
    d = await startDaemon(['missing-exe', 'c'], { quiet: false });
    await eventually('c to start', () => events().includes('start c'));
    await eventually('failure line', () => d.stdout().includes('[FAILED] missing-exe\n'));
    expect(d.proc.exitCode).toBeNull();
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
    expect(events()).toEqual(['start c', 'stop c']);
  });

  it('writes service events to the --log-file given with -l', async () => {
    d = await startDaemon(['c', '-l', 'dinit.log']);
    await eventually('c to start', () => events().includes('start c'));
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
    const logged = fs.readFileSync(sb.path('dinit.log'), 'utf8');
    expect(logged).toContain('dinit: service c started.\n');
    expect(logged).toContain('dinit: service c stopped.\n');
  });

  itCtl('stops a service and its no-longer-needed dependencies in order, then exits', async () => {
    d = await startDaemon(['a']);
    await eventually('a to start', () => events().includes('start a'));
    const r = d.ctl('stop', 'a');
    expect(r.status).toBe(0);
    expect(await d.exitWithin()).toBe(0);
    expect(events().slice(3)).toEqual(['stop a', 'stop b', 'stop c']);
  });

  itCtl('keeps running after a bad service file fails a dinitctl start', async () => {
    d = await startDaemon(['c']);
    await eventually('c to start', () => events().includes('start c'));
    const bad = d.ctl('start', 'needs-bad');
    expect(bad.status).not.toBe(0);
    expect(d.ctl('start', 'b').status).toBe(0);
    await eventually('b to start', () => events().includes('start b'));
    expect(d.ctl('list').stdout).toMatch(/\] b/);
  });

  itCtl('stops everything in order and exits 0 on dinitctl shutdown', async () => {
    d = await startDaemon(['a']);
    await eventually('a to start', () => events().includes('start a'));
    const r = d.ctl('shutdown');
    expect(r.status).toBe(0);
    expect(await d.exitWithin()).toBe(0);
    expect(events().slice(3)).toEqual(['stop a', 'stop b', 'stop c']);
    expect(fs.existsSync(d.socket)).toBe(false);
  });

  itCtl('re-creates its control socket on SIGUSR1 after the socket file was removed', async () => {
    d = await startDaemon(['c']);
    await eventually('c to start', () => events().includes('start c'));
    fs.unlinkSync(d.socket);
    d.proc.kill('SIGUSR1');
    await eventually('socket file', () => fs.existsSync(d.socket));
    expect(fs.statSync(d.socket).mode & 0o777).toBe(0o600);
    expect(d.ctl('list').stdout).toContain('] c');
  });

  it('refuses to start when another instance answers on the socket', async () => {
    d = await startDaemon(['c']);
    const r = spawnSync(DINIT, ['-u', '-d', SERVICES, '-p', d.socket, 'c'], {
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      'dinit: Control socket is already active (another instance already running?)',
    );
    expect(fs.existsSync(d.socket)).toBe(true);
  });

  itCtl('closes a connection that sends a malformed packet and keeps serving others', async () => {
    d = await startDaemon(['c']);
    await eventually('c to start', () => events().includes('start c'));
    const closed = await new Promise<boolean>((resolve, reject) => {
      const s = net.createConnection(d.socket);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error('connection not closed'));
      }, 5000);
      s.on('connect', () => s.write(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37])));
      s.on('data', () => {});
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
    const r = d.ctl('list');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('] c');
  });
});

describeBuilt('dinit command line', () => {
  const run = (...args: string[]) => spawnSync(DINIT, args, { encoding: 'utf8', timeout: 10000 });

  it('prints the version and exits 0', () => {
    const r = run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Dinit version 0\.22\.1\.\n/);
  });

  it('rejects an unknown option with status 1', () => {
    const r = run('--no-such-option');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('dinit: unrecognized option: --no-such-option\n');
  });

  it('rejects -d without an argument', () => {
    const r = run('-u', '-d');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("dinit: '--services-dir' (-d) requires an argument\n");
  });
});
