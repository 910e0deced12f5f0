// ControlServer and ControlClient together over a real temp unix socket, with an in-memory
// fake ServiceManager: every command's reply as Dinit gives it, events, environment, and
// a bad request closing only its own connection.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { type ClientEvent, ControlClient } from '../../../src/client';
import { ControlServer } from '../../../src/daemon/control';
import { EnvStore } from '../../../src/daemon/env-store';
import { FakeManager } from './fake-manager';
import { sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import type { ShutdownType } from '../../../src/model';

const sb = sandboxEach('dinit-control-');
let sock: string;
let manager: FakeManager;
let env: EnvStore;
let server: ControlServer;
let logs: string[];
let shutdowns: ShutdownType[];
const clients: ControlClient[] = [];

async function client(onEvent?: (e: ClientEvent) => void): Promise<ControlClient> {
  const c = await ControlClient.connect(sock, { onEvent });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  sock = sb.path('control.sock');
  manager = new FakeManager();
  env = new EnvStore({ HOME: '/home/x', PATH: '/bin' });
  logs = [];
  shutdowns = [];
  server = new ControlServer(manager, env, {
    serviceDirs: ['/etc/dinit.d', 'rel/dir'],
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    onShutdown: (t) => shutdowns.push(t),
    cwd: () => '/work',
  });
  await server.listen(sock);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

describe('control socket', () => {
  it('is created with mode 0600 and replaces a stale socket file', async () => {
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    await server.close();
    // Leave a stale socket behind: a process that bound it and was killed before cleaning up.
    const script = `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    expect(fs.lstatSync(sock).isSocket()).toBe(true);
    expect((await ControlClient.connect(sock).catch((x) => x)).kind).toBe('connect');
    server = new ControlServer(manager, env, { serviceDirs: [], log: () => undefined });
    await server.listen(sock);
    const c = await client();
    expect(c.protocolVersion).toBe(7);
  });

  it('replaces a regular file at the socket path, as Dinit does, but not a directory', async () => {
    await server.close();
    fs.writeFileSync(sock, 'not a socket');
    server = new ControlServer(manager, env, { serviceDirs: [], log: () => undefined });
    await server.listen(sock);
    expect(fs.lstatSync(sock).isSocket()).toBe(true);
    await server.close();
    fs.mkdirSync(sock);
    const e = await server.listen(sock).catch((x) => x);
    expect(e.code).toBe('ERR_DINIT_CONTROL_SOCKET');
    expect(e.errnoCode).toBe('EADDRINUSE');
    fs.rmdirSync(sock);
    await server.listen(sock);
  });

  it('re-opens the socket (SIGUSR1) without closing open connections', async () => {
    const before = await client();
    await server.listen(sock);
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    const after = await client();
    expect((await before.loadService('lone')).kind).toBe('found');
    expect((await after.loadService('lone')).kind).toBe('found');
  });

  it('close() unlinks the socket and stops accepting before it returns, then drops connections', async () => {
    const open = await client();
    const p = server.close();
    // Synchronously gone: nothing can connect while the daemon finishes exiting.
    expect(fs.existsSync(sock)).toBe(false);
    const e = await ControlClient.connect(sock).catch((x) => x);
    expect([e.kind, e.data.errnoCode]).toEqual(['connect', 'ENOENT']);
    await p;
    await open.waitForClose();
    // A second close is harmless.
    await server.close();
  });

  it('answers QUERYVERSION with min 1, current 7', async () => {
    const c = await client();
    expect([c.daemonMinVersion, c.protocolVersion]).toEqual([1, 7]);
  });
});

describe('loading', () => {
  it('returns handles from 0 with state and target, and the load failure kinds', async () => {
    const c = await client();
    expect(await c.loadService('boot')).toEqual({
      kind: 'found',
      handle: 0,
      state: 'stopped',
      targetState: 'stopped',
    });
    expect(await c.findService('db')).toEqual({
      kind: 'found',
      handle: 1,
      state: 'stopped',
      targetState: 'stopped',
    });
    expect(await c.findService('web')).toEqual({ kind: 'noservice' });
    expect(await c.loadService('missing')).toEqual({ kind: 'noservice' });
    expect(await c.loadService('bad-desc')).toEqual({ kind: 'desc-error' });
    expect(await c.loadService('bad-load')).toEqual({ kind: 'load-error' });
    expect(logs.some((l) => l.includes('Could not load service bad-load'))).toBe(true);
  });

  it('reuses the lowest free handle after CLOSEHANDLE', async () => {
    const c = await client();
    await c.loadService('boot');
    await c.loadService('db');
    await c.closeHandle(0);
    expect(await c.loadService('lone')).toMatchObject({ handle: 0 });
    expect(await c.serviceName(0)).toEqual({ kind: 'name', name: 'lone' });
    expect(await c.serviceName(7)).toEqual({ kind: 'nak' });
  });

  it('rejects a name starting with a dot as a bad request', async () => {
    const c = await client();
    const e = await c.loadService('.hidden').catch((x) => x);
    expect(e.kind).toBe('bad-request');
  });
});

describe('start and stop', () => {
  it('start of an internal service that starts at once replies ALREADYSS after the event', async () => {
    const events: ClientEvent[] = [];
    const c = await client((e) => events.push(e));
    const h = ((await c.loadService('lone')) as { handle: number }).handle;
    expect(await c.start(h)).toEqual({ kind: 'already' });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'service', handle: h, event: 'started' }),
    ]);
  });

  it('start of a process service replies ACK, then the started event arrives with the pid', async () => {
    const events: ClientEvent[] = [];
    const c = await client((e) => events.push(e));
    const h = ((await c.loadService('db')) as { handle: number }).handle;
    expect(await c.start(h)).toEqual({ kind: 'ack' });
    manager.finish('db');
    await eventually('the started event', () => events.length === 1);
    const ev = events[0] as Extract<ClientEvent, { kind: 'service' }>;
    expect(ev.event).toBe('started');
    expect(ev.status.hasPid).toBe(true);
    expect(ev.status.word1).toBe(1000);
    const st = await c.status(h);
    expect(st).toMatchObject({
      kind: 'status',
      format: 6,
      status: { state: 'started', markedActive: true },
    });
  });

  it('stop without force lists hard dependents; with force it stops them', async () => {
    const c = await client();
    const boot = ((await c.loadService('boot')) as { handle: number }).handle;
    const db = ((await c.loadService('db')) as { handle: number }).handle;
    await c.start(boot);
    manager.finish('db');
    const r = await c.stop(db);
    expect(r.kind).toBe('dependents');
    const handles = (r as { handles: number[] }).handles;
    expect(handles).toEqual([2]);
    expect(await c.serviceName(handles[0])).toEqual({ kind: 'name', name: 'boot' });
    expect(await c.stop(db, { force: true })).toEqual({ kind: 'ack' });
    expect(manager.calls).toContain('stop db force');
  });

  it('stop of a stopped service replies ALREADYSS', async () => {
    const c = await client();
    const h = ((await c.loadService('lone')) as { handle: number }).handle;
    expect(await c.stop(h)).toEqual({ kind: 'already' });
    expect(await c.release(h)).toEqual({ kind: 'already' });
  });

  it('pins: start --pin then stop gives PINNEDSTARTED; stop --pin then start gives PINNEDSTOPPED', async () => {
    const c = await client();
    const a = ((await c.loadService('lone')) as { handle: number }).handle;
    await c.start(a, { pin: true });
    expect(await c.stop(a)).toEqual({ kind: 'pinned-started' });
    await c.unpin(a);
    expect(await c.stop(a, { pin: true })).toEqual({ kind: 'already' });
    expect(await c.start(a)).toEqual({ kind: 'pinned-stopped' });
    expect(await c.wake(a)).toEqual({ kind: 'pinned-stopped' });
  });

  it('restart sends PREACK first; a stopped service gets NAK', async () => {
    const log: string[] = [];
    const c = await client((e) => log.push(e.kind === 'service' ? e.event : e.kind));
    const h = ((await c.loadService('lone')) as { handle: number }).handle;
    expect(await c.restart(h, { onPreack: () => log.push('preack') })).toEqual({ kind: 'nak' });
    await c.start(h);
    log.length = 0;
    expect(await c.restart(h, { onPreack: () => log.push('preack') })).toEqual({ kind: 'already' });
    expect(log).toEqual(['preack', 'started']);
  });

  it('wake without an active dependent replies NAK', async () => {
    const c = await client();
    const h = ((await c.loadService('db')) as { handle: number }).handle;
    expect(await c.wake(h)).toEqual({ kind: 'nak' });
  });

  it('start during shutdown replies SHUTTINGDOWN; SHUTDOWN reaches onShutdown', async () => {
    const c = await client();
    const h = ((await c.loadService('lone')) as { handle: number }).handle;
    await c.shutdown('poweroff');
    expect(shutdowns).toEqual(['poweroff']);
    manager.shutdown('poweroff');
    expect(await c.start(h)).toEqual({ kind: 'shutting-down' });
  });
});

describe('queries and edits', () => {
  it('lists services with their status (LISTSERVICES5)', async () => {
    const c = await client();
    await c.loadService('boot');
    const list = await c.list();
    expect(list.map((e) => e.name).sort()).toEqual(['boot', 'db']);
    expect(list[0].format).toBe(5);
  });

  it('status v6 carries the description mtime exactly; v5 and v1 are answered too', async () => {
    const c = await client();
    const h = ((await c.loadService('db')) as { handle: number }).handle;
    const s6 = await c.status(h, 6);
    expect(s6).toMatchObject({ status: { mtime: { sec: 1700000000, nsec: 123456789 } } });
    expect(await c.status(h, 5)).toMatchObject({ format: 5, status: { state: 'stopped' } });
    expect(await c.status(h, 1)).toMatchObject({ format: 1 });
    expect(await c.status(99)).toEqual({ kind: 'nak' });
  });

  it('reports the description directory and the load mechanism', async () => {
    const c = await client();
    const h = ((await c.loadService('db')) as { handle: number }).handle;
    expect(await c.queryServiceDscDir(h)).toEqual({ kind: 'dir', dir: '/fake/services' });
    expect(await c.queryLoadMech()).toEqual({
      kind: 'loader',
      loaderType: 1,
      cwd: '/work',
      dirs: ['/etc/dinit.d', 'rel/dir'],
    });
  });

  it('add-dep, rm-dep (NAK when absent), enable, and cycle refusal', async () => {
    const c = await client();
    const a = ((await c.loadService('lone')) as { handle: number }).handle;
    const b = ((await c.loadService('other')) as { handle: number }).handle;
    expect(await c.addDep(a, b, 'waits-for')).toEqual({ kind: 'ack' });
    expect(await c.addDep(b, a, 'regular')).toEqual({ kind: 'nak' });
    expect(await c.rmDep(a, b, 'waits-for')).toEqual({ kind: 'ack' });
    expect(await c.rmDep(a, b, 'waits-for')).toEqual({ kind: 'nak' });
    await c.start(a);
    expect(await c.enable(a, b)).toMatchObject({ kind: 'ack' });
    expect((await c.status(b)) as object).toMatchObject({ status: { state: 'started' } });
  });

  it('answers ENABLE_SERVICE_V7 with the v6 status of "to" and whether the link existed', async () => {
    const c = await client();
    const a = ((await c.loadService('lone')) as { handle: number }).handle;
    const b = ((await c.loadService('other')) as { handle: number }).handle;
    await c.start(a);
    const first = await c.enable(a, b);
    expect(first).toMatchObject({ kind: 'ack', existed: false, status: { state: 'started' } });
    expect((first as { status: { mtime?: object } }).status.mtime).toBeDefined();
    expect(await c.enable(a, b)).toMatchObject({ kind: 'ack', existed: true });
    // A cycle is still refused with NAK.
    expect(await c.enable(b, a)).toEqual({ kind: 'nak' });
  });

  it('answers the protocol-6 ENABLESERVICE with a bare ACK', async () => {
    const c = await ControlClient.connect(sock, { maxVersion: 6 });
    clients.push(c);
    const a = ((await c.loadService('lone')) as { handle: number }).handle;
    const b = ((await c.loadService('other')) as { handle: number }).handle;
    expect(await c.enable(a, b)).toEqual({ kind: 'ack' });
  });

  it('add-dep from a service to itself is a bad request that closes the connection', async () => {
    const c = await client();
    const a = ((await c.loadService('lone')) as { handle: number }).handle;
    expect((await c.addDep(a, a, 'regular').catch((e) => e)).kind).toBe('bad-request');
    await c.waitForClose();
  });

  it('unload: NAK while another connection holds the service, ACK after it lets go', async () => {
    const c1 = await client();
    const c2 = await client();
    const h1 = ((await c1.loadService('lone')) as { handle: number }).handle;
    const h2 = ((await c2.findService('lone')) as { handle: number }).handle;
    expect(await c1.unload(h1)).toEqual({ kind: 'nak' });
    await c2.closeHandle(h2);
    expect(await c1.unload(h1)).toEqual({ kind: 'ack' });
    expect(manager.find('lone')).toBeUndefined();
    // The handle is gone with the service.
    expect(await c1.status(h1)).toEqual({ kind: 'nak' });
  });

  it('unload of a started service is refused; reload acks and invalidates the handle', async () => {
    const c = await client();
    const h = ((await c.loadService('lone')) as { handle: number }).handle;
    await c.start(h);
    expect(await c.unload(h)).toEqual({ kind: 'nak' });
    const second = await c.findService('lone');
    expect(await c.reload(h)).toEqual({ kind: 'ack' });
    expect(await c.status(h)).toEqual({ kind: 'nak' });
    // Another handle to the same service stays valid.
    if (second.kind === 'found') expect((await c.status(second.handle)).kind).toBe('status');
  });

  it('trigger, signal and catlog map their replies', async () => {
    const c = await client();
    const tick = ((await c.loadService('tick')) as { handle: number }).handle;
    const web = ((await c.loadService('web')) as { handle: number }).handle;
    const lone = ((await c.loadService('lone')) as { handle: number }).handle;
    expect(await c.trigger(tick, true)).toEqual({ kind: 'ack' });
    expect(await c.trigger(lone, true)).toEqual({ kind: 'nak' });
    expect(await c.signal(web, 15)).toEqual({ kind: 'no-pid' });
    await c.start(web);
    manager.finish('web');
    expect(await c.signal(web, 15)).toEqual({ kind: 'ack' });
    expect(await c.signal(web, 99)).toEqual({ kind: 'bad-signal' });
    manager.appendLog('web', 'hello\n');
    expect(await c.catlog(web, true)).toEqual({ kind: 'log', data: Buffer.from('hello\n') });
    expect(await c.catlog(web)).toEqual({ kind: 'log', data: Buffer.alloc(0) });
    expect(await c.catlog(lone)).toEqual({ kind: 'nak' });
  });
});

describe('environment', () => {
  it('setenv, unsetenv and getAllEnv; listeners get ENVEVENTs with the overridden flag', async () => {
    const seen: ClientEvent[] = [];
    const watcher = await client((e) => seen.push(e));
    await watcher.listenEnv();
    const c = await client();
    expect(await c.setenv('NEW=1')).toEqual({ kind: 'ack' });
    expect(await c.setenv('HOME=/root')).toEqual({ kind: 'ack' });
    expect(await c.unsetenv('PATH')).toEqual({ kind: 'ack' });
    expect(await c.getAllEnv()).toEqual(['HOME=/root', 'NEW=1']);
    await eventually('three environment events', () => seen.length === 3);
    expect(seen).toEqual([
      { kind: 'env', envVar: 'NEW=1', overridden: false },
      { kind: 'env', envVar: 'HOME=/root', overridden: true },
      { kind: 'env', envVar: 'PATH', overridden: true },
    ]);
    expect(env.toRecord()).toEqual({ HOME: '/root', NEW: '1' });
  });

  it('SETENV with a leading = is a bad request', async () => {
    const c = await client();
    expect(await c.setenv('=x')).toEqual({ kind: 'badreq' });
    await c.waitForClose();
  });
});

describe('events and isolation', () => {
  it('sends events only to connections holding a handle to the service', async () => {
    const e1: ClientEvent[] = [];
    const e2: ClientEvent[] = [];
    const c1 = await client((e) => e1.push(e));
    const c2 = await client((e) => e2.push(e));
    await c1.loadService('lone');
    await c2.loadService('other');
    manager.emit('lone', 'stopped');
    manager.emit('other', 'started');
    await eventually('one event on each connection', () => e1.length === 1 && e2.length === 1);
    expect((e1[0] as { event: string }).event).toBe('stopped');
    expect((e2[0] as { event: string }).event).toBe('started');
  });

  it('a handle reused twice for one service gets the event once per handle', async () => {
    const events: ClientEvent[] = [];
    const c = await client((e) => events.push(e));
    await c.loadService('lone');
    await c.loadService('lone');
    manager.emit('lone', 'started');
    await eventually('one event per handle', () => events.length === 2);
    expect(events.map((e) => (e as { handle: number }).handle)).toEqual([0, 1]);
  });

  it('a bad handle closes only that connection; the others keep working', async () => {
    const good = await client();
    const bad = await client();
    const e = await bad.start(42).catch((x) => x);
    expect(e.kind).toBe('bad-request');
    await bad.waitForClose();
    expect(await good.loadService('lone')).toMatchObject({ kind: 'found' });
    await eventually('the bad connection to close', () => server.connectionCount === 1);
  });

  it('knows the dinit-ts extension requests only after DTS_HELLO', async () => {
    const before = await client();
    expect((await before.reexec().catch((x) => x)).kind).toBe('bad-request');
    await before.waitForClose();
    const c = await client();
    expect(await c.extensionHello()).toBe(1);
    // This server was given no way to re-execute: refused.
    expect(await c.reexec()).toBe('refused');
  });

  it('daemon-reexec: ACK once it can go ahead, then NAK when the exec failed', async () => {
    await server.close();
    let tries = 0;
    server = new ControlServer(manager, env, {
      serviceDirs: [],
      log: () => undefined,
      onReexec: () => () => void tries++,
    });
    await server.listen(sock);
    const c = await client();
    expect(await c.extensionHello()).toBe(1);
    expect(await c.reexec()).toBe('failed');
    expect(tries).toBe(1);
  });

  it('answers DTS_SNAPSHOT only after the client asked for the extension', async () => {
    const snap = { now: 5, wallClock: 7, since: 1, services: [] };
    Object.assign(manager, { snapshot: () => snap });
    const early = await client();
    const e = await early.snapshot().catch((x) => x);
    expect(e.kind).toBe('bad-request');
    await early.waitForClose();
    const c = await client();
    expect(await c.extensionHello()).toBe(1);
    expect(await c.snapshot()).toEqual(snap);
    expect(await c.loadService('lone')).toMatchObject({ kind: 'found' });
  });
});
