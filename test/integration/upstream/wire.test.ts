// Wire compatibility with upstream Dinit 0.22.1: upstream's dinitctl against our ControlServer,
// and our ControlClient against upstream's dinit daemon. DINIT_UPSTREAM_BINDIR names the directory
// holding upstream's dinit, dinitctl and dinit-monitor; without it the suite is skipped, and says so.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ClientEvent, ControlClient } from '../../../src/client';
import { ControlServer } from '../../../src/daemon/control';
import { EnvStore } from '../../../src/daemon/env-store';
import { FakeManager } from '../control/fake-manager';
import { sandboxAll, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { alive } from '../../support/processes';

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUpstream =
  UP !== '' && fs.existsSync(path.join(UP, 'dinitctl')) && fs.existsSync(path.join(UP, 'dinit'));
const describeUp = haveUpstream ? describe : describe.skip;
if (!haveUpstream) {
  process.stderr.write(
    'control-upstream: SKIPPED: set DINIT_UPSTREAM_BINDIR to a directory holding upstream ' +
      "Dinit's dinit, dinitctl and dinit-monitor to run the wire-compatibility tests\n",
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(UP, bin), args, { timeout: 10000, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describeUp('upstream dinitctl against our ControlServer', () => {
  const sb = sandboxEach('dinit-upctl-');
  let sock: string;
  let manager: FakeManager;
  let env: EnvStore;
  let server: ControlServer;

  beforeEach(async () => {
    sock = sb.path('sock');
    manager = new FakeManager();
    env = new EnvStore({ HOME: '/h' });
    server = new ControlServer(manager, env, {
      serviceDirs: [sb.dir],
      log: () => undefined,
      // Like the daemon: after a shutdown request, the connection closes when all has stopped.
      onShutdown: (t) => {
        manager.shutdown(t);
        setTimeout(() => server.closeConnections(), 10);
      },
    });
    await server.listen(sock);
  });

  afterEach(async () => {
    await server.close();
  });

  const ctl = (...args: string[]): Promise<Run> => run('dinitctl', ['-p', sock, ...args]);

  it('start of an internal service', async () => {
    expect(await ctl('start', 'lone')).toEqual({
      code: 0,
      stdout: 'Service started.\n',
      stderr: '',
    });
    expect(await ctl('start', 'lone')).toEqual({
      code: 0,
      stdout: 'Service (already) started.\n',
      stderr: '',
    });
  });

  it('start of a process service waits for the started event', async () => {
    const p = ctl('start', 'db');
    await eventually('db to be starting', () => manager.recs.get('db')?.state === 'starting');
    manager.finish('db');
    expect(await p).toEqual({ code: 0, stdout: "Service 'db' started.\n", stderr: '' });
  });

  it('list and status', async () => {
    await ctl('start', 'lone');
    await ctl('start', '--no-wait', 'web');
    const list = await ctl('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('[[+]     ] lone\n[[ ]<<   ] web\n');
    manager.finish('web');
    const st = await ctl('status', 'web');
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('Service: web');
    expect(st.stdout).toContain('State: STARTED');
    expect(st.stdout).toMatch(/Process ID: 100\d/);
  });

  it('stop with hard dependents names them, --force stops', async () => {
    const p = ctl('start', 'boot');
    await eventually('db to be starting', () => manager.recs.get('db')?.state === 'starting');
    manager.finish('db');
    await p;
    const r = await ctl('stop', 'db');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "dinitctl: cannot stop service 'db' due to the following dependents:\n" +
        "(only direct dependents are listed. Exercise caution before using '--force' !!)\n" +
        '  boot\n',
    );
    const f = ctl('stop', '--force', 'db');
    await eventually('db to be stopping', () => manager.recs.get('db')?.state === 'stopping');
    manager.finish('db');
    expect(await f).toEqual({ code: 0, stdout: "Service 'db' stopped.\n", stderr: '' });
  });

  it('restart, pins, wake and release', async () => {
    expect((await ctl('restart', 'lone')).stderr).toBe(
      'dinitctl: cannot restart service; service not started.\n',
    );
    await ctl('start', '--pin', 'lone');
    expect(await ctl('stop', 'lone')).toMatchObject({
      code: 1,
      stderr: "dinitctl: cannot stop service 'lone' as it is pinned started\n",
    });
    await ctl('unpin', 'lone');
    expect(await ctl('restart', 'lone')).toMatchObject({ code: 0, stdout: 'Service restarted.\n' });
    expect(await ctl('wake', 'other')).toMatchObject({
      code: 1,
      stderr: 'dinitctl: service has no active dependents, cannot wake.\n',
    });
    expect(await ctl('release', 'lone')).toMatchObject({ code: 0, stdout: 'Service stopped.\n' });
  });

  it('setenv, unsetenv, trigger, signal, catlog, add-dep, rm-dep, unload', async () => {
    expect(await ctl('setenv', 'A=1', 'B=2')).toMatchObject({ code: 0 });
    expect(await ctl('unsetenv', 'HOME')).toMatchObject({ code: 0 });
    expect(env.entries()).toEqual(['A=1', 'B=2']);
    expect(await ctl('trigger', 'tick')).toMatchObject({ code: 0 });
    expect(await ctl('trigger', 'lone')).toMatchObject({
      code: 1,
      stderr: "dinitctl: cannot trigger a service that is not of 'triggered' type.\n",
    });
    expect(await ctl('signal', 'HUP', 'web')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('could not get valid PID'),
    });
    manager.load('web');
    manager.appendLog('web', 'line one\nline two\n');
    expect(await ctl('catlog', 'web')).toEqual({
      code: 0,
      stdout: 'line one\nline two\n',
      stderr: '',
    });
    expect(await ctl('catlog', 'lone')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not configured to buffer output'),
    });
    expect(await ctl('add-dep', 'waits-for', 'lone', 'other')).toMatchObject({ code: 0 });
    expect(await ctl('rm-dep', 'waits-for', 'lone', 'other')).toMatchObject({ code: 0 });
    expect(await ctl('rm-dep', 'waits-for', 'lone', 'other')).toMatchObject({
      code: 1,
      stderr: 'dinitctl: no such dependency to remove\n',
    });
    expect(await ctl('unload', 'other')).toMatchObject({
      code: 0,
      stdout: "Service 'other' unloaded.\n",
    });
    expect(await ctl('start', 'nope')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('failed to find service description'),
    });
  });

  it('shutdown waits for the connection to close', async () => {
    await ctl('start', 'lone');
    expect(await ctl('shutdown')).toEqual({
      code: 0,
      stdout: 'Shutting down dinit...\nConnection closed.\n',
      stderr: '',
    });
    expect(manager.isShuttingDown()).toBe(true);
  });

  it('dinit-monitor reports service events and environment events', async () => {
    // dinit-monitor runs its command without a shell; echo's output arrives on its stdout.
    const mon = spawn(path.join(UP, 'dinit-monitor'), [
      '-p',
      sock,
      '--exit',
      '-c',
      'echo %n %s',
      'lone',
    ]);
    let out = '';
    let err = '';
    mon.stdout.on('data', (d) => (out += d));
    mon.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((r) => mon.on('exit', () => r()));
    await eventually(
      'the monitor to load lone',
      () => manager.recs.has('lone') && server.connectionCount === 1,
    );
    // The monitor has loaded the service; an event on its handle makes it run the command.
    manager.emit('lone', 'started');
    await exited;
    expect([out, err]).toEqual(['lone started\n', '']);

    const envMon = spawn(path.join(UP, 'dinit-monitor'), [
      '-p',
      sock,
      '-E',
      '--exit',
      '-c',
      'echo %n %s %v',
      'FOO',
    ]);
    let envOut = '';
    envMon.stdout.on('data', (d) => (envOut += d));
    const envExited = new Promise<void>((r) => envMon.on('exit', () => r()));
    // The monitor reads the environment (GETALLENV), then asks for events (LISTENENV).
    await eventually('the monitor to listen for environment events', () => env.listenerCount === 1);
    env.set('FOO=bar');
    await envExited;
    expect(envOut).toBe('FOO set bar\n');
  });
});

describeUp('upstream dinitctl against our ControlServer, descriptions on disk', () => {
  const sb = sandboxEach('dinit-upctl-disk-');
  let sd: string;
  let sock: string;
  let manager: FakeManager;
  let server: ControlServer;

  beforeEach(async () => {
    sd = sb.sd;
    fs.mkdirSync(path.join(sd, 'from.d'));
    sb.service('from', 'type = internal', 'waits-for.d = from.d');
    sb.service('lone', 'type = internal');
    sb.service('job', 'type = process', 'command = /bin/false');
    // Nanosecond part of the mtime set explicitly, so a lossy encoding would show.
    fs.utimesSync(path.join(sd, 'lone'), 1700000000.987654, 1700000000.987654);
    sock = sb.path('sock');
    manager = new FakeManager({ from: {}, lone: {}, job: { type: 'process' } }, sd);
    server = new ControlServer(manager, new EnvStore({}), {
      serviceDirs: [sd],
      log: () => undefined,
    });
    await server.listen(sock);
  });

  afterEach(async () => {
    await server.close();
  });

  const ctl = (...args: string[]): Promise<Run> => run('dinitctl', ['-p', sock, ...args]);

  it('start checks the v6 mtime exactly: no warning until the file changes', async () => {
    expect(await ctl('start', 'lone')).toEqual({
      code: 0,
      stdout: 'Service started.\n',
      stderr: '',
    });
    fs.utimesSync(path.join(sd, 'lone'), 1700000100, 1700000100);
    expect(await ctl('start', 'lone')).toEqual({
      code: 0,
      stdout: 'Service (already) started.\n',
      stderr:
        "dinitctl: warning: service description may have changed; use 'dinitctl reload lone' to apply changes.\n",
    });
  });

  it('enable and disable use the description directory and ENABLESERVICE / REM_DEP', async () => {
    await ctl('start', 'from');
    expect(await ctl('enable', '--from', 'from', 'lone')).toEqual({
      code: 0,
      stdout: "Service 'lone' has been enabled.\n",
      stderr: '',
    });
    expect(fs.readlinkSync(path.join(sd, 'from.d', 'lone'))).toBe('../lone');
    expect(manager.recs.get('lone')!.state).toBe('started');
    expect(await ctl('disable', '--from', 'from', 'lone')).toEqual({
      code: 0,
      stdout: "Service 'lone' has been disabled.\n",
      stderr: '',
    });
    expect(fs.existsSync(path.join(sd, 'from.d', 'lone'))).toBe(false);
  });

  it('status, is-started and is-failed read stop reasons and exit statuses', async () => {
    manager.load('job');
    manager.setStopped('job', 'failed', { kind: 'exited', code: 3 });
    const st = await ctl('status', 'job');
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('State: STOPPED (failed to start; exited - status 3)');
    expect(await ctl('is-failed', 'job')).toMatchObject({ code: 0, stdout: 'STOPPED\n' });
    expect(await ctl('is-started', 'job')).toMatchObject({ code: 1, stdout: 'STOPPED\n' });
    manager.setStopped('job', 'terminated', { kind: 'signalled', signal: 9, coreDumped: false });
    const list = await ctl('list');
    expect(list.stdout).toBe('[     {X}] job (signal: 9)\n');
    manager.setStopped('job', 'execfailed');
    const ex = await ctl('status', 'job');
    expect(ex.stdout).toContain('State: STOPPED (could not be launched)');
  });
});

describeUp('our ControlClient against upstream dinit', () => {
  const sb = sandboxAll('dinit-updaemon-');
  let dir: string;
  let sock: string;
  let daemon: ChildProcess;
  let daemonExit: Promise<number | null>;
  let client: ControlClient;

  beforeAll(async () => {
    dir = sb.dir;
    sock = sb.path('sock');
    sb.service('boot', 'type = internal', 'waits-for = sleeper');
    sb.service('sleeper', 'type = process', 'command = /bin/sleep 1000');
    sb.service(
      'chatty',
      'type = process',
      'command = /bin/sh -c "echo hello; exec sleep 1000"',
      'log-type = buffer',
    );
    sb.service('dep', 'type = internal', 'depends-on = chatty');
    sb.service('tick', 'type = triggered');
    // Marked with the sandbox, so that its close kills the daemon and its services.
    daemon = spawn(path.join(UP, 'dinit'), ['-u', '-q', '-d', sb.sd, '-p', sock], {
      stdio: 'ignore',
      env: sb.env({ HOME: dir, PATH: '/bin:/usr/bin', ONE: '1' }),
    });
    daemonExit = new Promise((r) => daemon.on('exit', (code) => r(code)));
    await eventually('the control socket', () => fs.existsSync(sock));
    client = await ControlClient.connect(sock);
  });

  afterAll(() => client?.close());

  it('handshakes at protocol 6 and finds the boot service started', async () => {
    expect([client.daemonMinVersion, client.protocolVersion]).toEqual([1, 6]);
    const r = await client.findService('boot');
    expect(r).toMatchObject({ kind: 'found', targetState: 'started' });
    if (r.kind !== 'found') return;
    // boot waits for sleeper to start; poll its status until it has.
    const state = async (): Promise<string | undefined> => {
      const st = await client.status(r.handle);
      return st.kind === 'status' ? st.status.state : undefined;
    };
    await eventually('boot to be started', async () => (await state()) === 'started');
    expect(await state()).toBe('started');
  });

  it('loads, starts (with events), queries and stops a process service', async () => {
    const events: ClientEvent[] = [];
    client.setEventHandler((e) => events.push(e));
    const r = await client.loadService('chatty');
    if (r.kind !== 'found') throw new Error('not found');
    expect(await client.start(r.handle)).toEqual({ kind: 'ack' });
    await eventually('the started event', () =>
      events.some((e) => e.kind === 'service' && e.event === 'started'),
    );
    const st = await client.status(r.handle);
    expect(st).toMatchObject({
      kind: 'status',
      format: 6,
      status: { state: 'started', hasPid: true, markedActive: true },
    });
    if (st.kind === 'status') {
      const mtime = fs.statSync(path.join(dir, 'sd', 'chatty'), { bigint: true });
      expect(BigInt(st.status.mtime!.sec)).toBe(mtime.mtimeNs / 1000000000n);
    }
    expect(await client.queryServiceDscDir(r.handle)).toEqual({
      kind: 'dir',
      dir: path.join(dir, 'sd'),
    });
    await eventually('the output of chatty', async () => {
      const log = await client.catlog(r.handle);
      return log.kind === 'log' && log.data.length > 0;
    });
    expect(await client.catlog(r.handle)).toEqual({ kind: 'log', data: Buffer.from('hello\n') });
    const dep = await client.loadService('dep');
    if (dep.kind !== 'found') throw new Error('dep not found');
    await client.start(dep.handle);
    const refused = await client.stop(r.handle);
    expect(refused.kind).toBe('dependents');
    if (refused.kind === 'dependents') {
      expect(await client.serviceName(refused.handles[0])).toEqual({ kind: 'name', name: 'dep' });
    }
    events.length = 0;
    expect(await client.stop(r.handle, { force: true })).toEqual({ kind: 'ack' });
    await eventually('the stopped event', () =>
      events.some((e) => e.kind === 'service' && e.handle === r.handle && e.event === 'stopped'),
    );
    const stopped = await client.status(r.handle);
    expect(stopped).toMatchObject({ status: { state: 'stopped', stopReason: 'normal' } });
    client.setEventHandler(undefined);
  });

  it('lists services and reports the load mechanism', async () => {
    const names = (await client.list()).map((e) => e.name).sort();
    expect(names).toEqual(expect.arrayContaining(['boot', 'sleeper', 'chatty']));
    const lm = await client.queryLoadMech();
    expect(lm).toMatchObject({ kind: 'loader', loaderType: 1, dirs: [path.join(dir, 'sd')] });
  });

  it('environment: setenv, getAllEnv and env events', async () => {
    const watcher = await ControlClient.connect(sock);
    const seen: ClientEvent[] = [];
    watcher.setEventHandler((e) => seen.push(e));
    await watcher.listenEnv();
    expect(await client.setenv('TWO=2')).toEqual({ kind: 'ack' });
    expect(await client.setenv('ONE=uno')).toEqual({ kind: 'ack' });
    expect(await client.unsetenv('TWO')).toEqual({ kind: 'ack' });
    const all = await client.getAllEnv();
    expect(all).toContain('ONE=uno');
    expect(all).not.toContain('TWO=2');
    await eventually('three environment events', () => seen.length === 3);
    expect(seen).toEqual([
      { kind: 'env', envVar: 'TWO=2', overridden: false },
      { kind: 'env', envVar: 'ONE=uno', overridden: true },
      { kind: 'env', envVar: 'TWO', overridden: true },
    ]);
    watcher.close();
  });

  it('trigger, restart with PREACK, unload refusal and signal', async () => {
    const t = await client.loadService('tick');
    if (t.kind !== 'found') throw new Error('tick');
    expect(await client.trigger(t.handle, true)).toEqual({ kind: 'ack' });
    const b = await client.findService('boot');
    if (b.kind !== 'found') throw new Error('boot');
    expect(await client.trigger(b.handle, true)).toEqual({ kind: 'nak' });
    let preacked = false;
    expect(await client.restart(b.handle, { onPreack: () => (preacked = true) })).toMatchObject({
      kind: expect.stringMatching(/ack|already/),
    });
    expect(preacked).toBe(true);
    expect(await client.unload(b.handle)).toEqual({ kind: 'nak' });
    const s = await client.findService('sleeper');
    if (s.kind !== 'found') throw new Error('sleeper');
    expect(await client.signal(s.handle, 0)).toEqual({ kind: 'ack' });
    expect(await client.signal(b.handle, 1)).toEqual({ kind: 'no-pid' });
  });

  it('shutdown closes the connection once the daemon has stopped everything', async () => {
    const sleeper = await client.findService('sleeper');
    const st = sleeper.kind === 'found' ? await client.status(sleeper.handle) : undefined;
    const pid = st?.kind === 'status' && st.status.hasPid ? st.status.word1 : 0;
    expect(pid).toBeGreaterThan(1);
    await client.shutdown('halt');
    await client.waitForClose();
    // A daemon in user mode exits 0 after a shutdown, its services stopped and its socket gone.
    expect(await daemonExit).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(fs.existsSync(sock)).toBe(false);
  });
});
