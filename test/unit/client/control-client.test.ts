// ControlClient against a scripted fake daemon on a temp unix socket: handshake, typed
// results, replies split across reads, events interleaved with replies, and failure codes.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlClient, type ClientEvent } from '../../../src/client';
import {
  type Request,
  type ServerPacket,
  type StatusInfo,
  decodeRequest,
  encodeReply,
} from '../../../src/protocol';
import { ControlError } from '../../../src/errors';

type Script = (req: Request) => (ServerPacket | Buffer)[];

const status: StatusInfo = {
  state: 'started',
  targetState: 'started',
  waitingForConsole: false,
  hasConsole: false,
  startSkipped: false,
  markedActive: true,
  hasPid: true,
  stopReason: 'normal',
  execStage: 0,
  word1: 42,
  word2: 0,
};

let dir: string;
let server: net.Server | undefined;
const received: Request[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-client-'));
  received.length = 0;
});
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a fake daemon; `dribble` writes replies one byte at a time. */
async function fakeDaemon(
  script: Script,
  opts: { dribble?: boolean; version?: [number, number] } = {},
): Promise<string> {
  const sock = path.join(dir, 'sock');
  server = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('error', () => undefined);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = decodeRequest(buf);
        if (r.status !== 'ok') break;
        buf = buf.subarray(r.length);
        received.push(r.packet);
        const out: (ServerPacket | Buffer)[] =
          r.packet.type === 'QUERYVERSION'
            ? [
                {
                  type: 'CPVERSION',
                  minVersion: opts.version?.[0] ?? 1,
                  version: opts.version?.[1] ?? 6,
                },
              ]
            : script(r.packet);
        const bytes = Buffer.concat(out.map((p) => (Buffer.isBuffer(p) ? p : encodeReply(p))));
        if (opts.dribble) {
          for (const b of bytes) c.write(Buffer.from([b]));
        } else {
          c.write(bytes);
        }
      }
    });
  });
  await new Promise<void>((r) => server!.listen(sock, r));
  return sock;
}

describe('ControlClient', () => {
  it('performs the version handshake and records the daemon version', async () => {
    const sock = await fakeDaemon(() => []);
    const c = await ControlClient.connect(sock);
    expect(c.protocolVersion).toBe(6);
    expect(received[0]).toEqual({ type: 'QUERYVERSION' });
    c.close();
  });

  it('maps load replies to typed results', async () => {
    const sock = await fakeDaemon((req) => {
      if (req.type !== 'LOADSERVICE') return [];
      if (req.name === 'a')
        return [{ type: 'SERVICERECORD', state: 'stopped', handle: 0, targetState: 'stopped' }];
      if (req.name === 'b') return [{ type: 'NOSERVICE' }];
      if (req.name === 'c') return [{ type: 'SERVICE_DESC_ERR' }];
      return [{ type: 'SERVICE_LOAD_ERR' }];
    });
    const c = await ControlClient.connect(sock);
    // Issued together: they must queue and be answered in order.
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((n) => c.loadService(n)));
    expect(results).toEqual([
      { kind: 'found', handle: 0, state: 'stopped', targetState: 'stopped' },
      { kind: 'noservice' },
      { kind: 'desc-error' },
      { kind: 'load-error' },
    ]);
    c.close();
  });

  it('reassembles replies and events delivered one byte at a time', async () => {
    const sock = await fakeDaemon(
      (req) =>
        req.type === 'STARTSERVICE'
          ? [
              { type: 'SERVICEEVENT5', handle: 1, event: 'started', status },
              {
                type: 'SERVICEEVENT',
                handle: 1,
                event: 'started',
                status: { ...status, word2: 0 },
              },
              { type: 'ALREADYSS' },
            ]
          : [],
      { dribble: true },
    );
    const events: ClientEvent[] = [];
    const c = await ControlClient.connect(sock, { onEvent: (e) => events.push(e) });
    expect(await c.start(1, { pin: true })).toEqual({ kind: 'already' });
    expect(received[1]).toEqual({ type: 'STARTSERVICE', flags: 1, handle: 1 });
    // The legacy duplicate SERVICEEVENT is not reported to a protocol-6 client.
    expect(events).toEqual([{ kind: 'service', handle: 1, event: 'started', status, format: 5 }]);
    c.close();
  });

  it('restart sends restart+preack flags and calls onPreack before later events', async () => {
    const sock = await fakeDaemon((req) =>
      req.type === 'STOPSERVICE'
        ? [
            { type: 'SERVICEEVENT5', handle: 0, event: 'stopped', status },
            { type: 'PREACK' },
            { type: 'SERVICEEVENT5', handle: 0, event: 'started', status },
            { type: 'ACK' },
          ]
        : [],
    );
    const log: string[] = [];
    const c = await ControlClient.connect(sock, {
      onEvent: (e) => log.push(e.kind === 'service' ? e.event : 'env'),
    });
    const r = await c.restart(0, { onPreack: () => log.push('preack') });
    expect(r).toEqual({ kind: 'ack' });
    expect(log).toEqual(['stopped', 'preack', 'started']);
    expect(received[1]).toEqual({ type: 'STOPSERVICE', flags: 2 | 4 | 128, handle: 0 });
    c.close();
  });

  it('stop without force sends the gentle flag and reports dependents', async () => {
    const sock = await fakeDaemon(() => [{ type: 'DEPENDENTS', handles: [3, 4] }]);
    const c = await ControlClient.connect(sock);
    expect(await c.stop(0)).toEqual({ kind: 'dependents', handles: [3, 4] });
    expect(received[1]).toEqual({ type: 'STOPSERVICE', flags: 2, handle: 0 });
    await c.stop(0, { force: true }).catch(() => undefined);
    expect(received[2]).toEqual({ type: 'STOPSERVICE', flags: 0, handle: 0 });
    c.close();
  });

  it('lists with LISTSERVICES5 and collects entries until LISTDONE', async () => {
    const sock = await fakeDaemon(() => [
      { type: 'SVCINFO', format: 5, name: 'one', status },
      { type: 'SVCINFO', format: 5, name: 'two', status },
      { type: 'LISTDONE' },
    ]);
    const c = await ControlClient.connect(sock);
    const list = await c.list();
    expect(received[1]).toEqual({ type: 'LISTSERVICES5' });
    expect(list.map((e) => e.name)).toEqual(['one', 'two']);
    c.close();
  });

  it('uses the older list and status requests with a protocol-4 daemon', async () => {
    const sock = await fakeDaemon(
      (req) =>
        req.type === 'LISTSERVICES'
          ? [{ type: 'SVCINFO', format: 1, name: 'x', status }, { type: 'LISTDONE' }]
          : [{ type: 'SERVICESTATUS', format: 1, status }],
      { version: [1, 4] },
    );
    const c = await ControlClient.connect(sock);
    expect((await c.list())[0].format).toBe(1);
    expect(await c.status(0)).toEqual({ kind: 'status', status, format: 1 });
    expect(received.slice(1).map((r) => r.type)).toEqual(['LISTSERVICES', 'SERVICESTATUS']);
    c.close();
  });

  it('reports SERVICEEVENT (v1 status) from a daemon older than protocol 5', async () => {
    const v1 = { ...status, word1: 0, hasPid: false };
    const sock = await fakeDaemon(
      () => [{ type: 'SERVICEEVENT', handle: 0, event: 'stopped', status: v1 }, { type: 'ACK' }],
      { version: [1, 4] },
    );
    const events: ClientEvent[] = [];
    const c = await ControlClient.connect(sock, { onEvent: (e) => events.push(e) });
    expect(await c.stop(0, { force: true })).toEqual({ kind: 'ack' });
    expect(events).toEqual([
      { kind: 'service', handle: 0, event: 'stopped', status: v1, format: 1 },
    ]);
    c.close();
  });

  it('enables with ENABLE_SERVICE_V7 against a protocol-7 daemon and returns the status', async () => {
    const s6 = { ...status, state: 'starting' as const, mtime: { sec: 1, nsec: 2 } };
    const sock = await fakeDaemon(
      (req) =>
        req.type === 'ENABLE_SERVICE_V7'
          ? req.to === 9
            ? [{ type: 'NAK' }]
            : [{ type: 'SERVICESTATUS', format: 6, status: s6, reserved: 1 }]
          : [],
      { version: [1, 7] },
    );
    const c = await ControlClient.connect(sock);
    expect(await c.enable(0, 1)).toEqual({ kind: 'ack', status: s6, existed: true });
    expect(await c.enable(0, 9)).toEqual({ kind: 'nak' });
    expect(received[1]).toEqual({ type: 'ENABLE_SERVICE_V7', depType: 2, from: 0, to: 1 });
    c.close();
  });

  it('runs the enable onReply hook between the events before the answer and those after it', async () => {
    const s6 = { ...status, state: 'starting' as const, mtime: { sec: 1, nsec: 2 } };
    const v5 = { ...status, hasPid: false };
    // One write carries an event, the answer and a later event, as a loaded daemon may send them.
    const sock = await fakeDaemon(
      (req) =>
        req.type === 'ENABLE_SERVICE_V7'
          ? [
              { type: 'SERVICEEVENT5', handle: 1, event: 'stopped', status: v5 },
              { type: 'SERVICESTATUS', format: 6, status: s6, reserved: 0 },
              { type: 'SERVICEEVENT5', handle: 1, event: 'started', status: v5 },
            ]
          : [],
      { version: [1, 7] },
    );
    const order: string[] = [];
    const c = await ControlClient.connect(sock, {
      onEvent: (e) => order.push(e.kind === 'service' ? e.event : e.kind),
    });
    const r = await c.enable(0, 1, () => order.push('reply'));
    expect(r.kind).toBe('ack');
    await new Promise((res) => setImmediate(res));
    expect(order).toEqual(['stopped', 'reply', 'started']);
    c.close();
  });

  it('falls back to ENABLESERVICE (bare ACK) with a protocol-6 daemon', async () => {
    const sock = await fakeDaemon(
      (req) => (req.type === 'ENABLESERVICE' ? [{ type: 'ACK' }] : []),
      {
        version: [1, 6],
      },
    );
    const c = await ControlClient.connect(sock);
    expect(await c.enable(0, 1)).toEqual({ kind: 'ack' });
    expect(received[1].type).toBe('ENABLESERVICE');
    c.close();
  });

  it('sends ENABLESERVICE to a protocol-7 daemon when capped at protocol 6', async () => {
    const sock = await fakeDaemon(
      (req) => (req.type === 'ENABLESERVICE' ? [{ type: 'ACK' }] : []),
      {
        version: [1, 7],
      },
    );
    const c = await ControlClient.connect(sock, { maxVersion: 6 });
    expect(await c.enable(0, 1)).toEqual({ kind: 'ack' });
    expect(received[1].type).toBe('ENABLESERVICE');
    c.close();
  });

  it('status v6 carries the mtime', async () => {
    const s6 = { ...status, mtime: { sec: 10, nsec: 20 } };
    const sock = await fakeDaemon(() => [{ type: 'SERVICESTATUS', format: 6, status: s6 }]);
    const c = await ControlClient.connect(sock);
    expect(await c.status(0)).toEqual({ kind: 'status', status: s6, format: 6 });
    c.close();
  });

  it('getAllEnv, setenv, catlog, signal, name and directory queries', async () => {
    const sock = await fakeDaemon((req) => {
      switch (req.type) {
        case 'GETALLENV':
          return [{ type: 'ALLENV', vars: ['A=1', 'B=2'] }];
        case 'SETENV':
          return [req.envVar.startsWith('=') ? { type: 'BADREQ' } : { type: 'ACK' }];
        case 'CATLOG':
          return [{ type: 'SERVICE_LOG', flags: 0, data: Buffer.from('out\n') }];
        case 'SIGNAL':
          return [{ type: 'SIGNAL_NOPID' }];
        case 'QUERYSERVICENAME':
          return [{ type: 'SERVICENAME', name: 'svc' }];
        case 'QUERYSERVICEDSCDIR':
          return [{ type: 'SVCDSCDIR', dir: '/etc/dinit.d' }];
        case 'QUERY_LOAD_MECH':
          return [{ type: 'LOADER_MECH', loaderType: 1, cwd: '/', dirs: ['/sd'] }];
        default:
          return [{ type: 'NAK' }];
      }
    });
    const c = await ControlClient.connect(sock);
    expect(await c.getAllEnv()).toEqual(['A=1', 'B=2']);
    expect(await c.setenv('X=1')).toEqual({ kind: 'ack' });
    expect(await c.catlog(0, true)).toEqual({ kind: 'log', data: Buffer.from('out\n') });
    expect(received[received.length - 1]).toEqual({ type: 'CATLOG', flags: 1, handle: 0 });
    expect(await c.signal(0, 15)).toEqual({ kind: 'no-pid' });
    expect(await c.serviceName(0)).toEqual({ kind: 'name', name: 'svc' });
    expect(await c.queryServiceDscDir(0)).toEqual({ kind: 'dir', dir: '/etc/dinit.d' });
    expect(await c.queryLoadMech()).toEqual({
      kind: 'loader',
      loaderType: 1,
      cwd: '/',
      dirs: ['/sd'],
    });
    expect(await c.trigger(0, true)).toEqual({ kind: 'nak' });
    expect(await c.setenv('=bad')).toEqual({ kind: 'badreq' });
    c.close();
  });

  it('rejects with ECONNECT and the errno code when nothing listens', async () => {
    const err = await ControlClient.connect(path.join(dir, 'none')).catch((e) => e);
    expect(err).toBeInstanceOf(ControlError);
    expect(err.kind).toBe('connect');
    expect(err.data.errnoCode).toBe('ENOENT');
  });

  it('rejects with EOLDCLIENT when the daemon requires a newer protocol', async () => {
    const sock = await fakeDaemon(() => [], { version: [8, 9] });
    const err = await ControlClient.connect(sock).catch((e) => e);
    expect(err.kind).toBe('old-client');
  });

  it('rejects with EOLDSERVER when the daemon is older than the minimum asked', async () => {
    const sock = await fakeDaemon(() => [], { version: [1, 4] });
    const err = await ControlClient.connect(sock, { minVersion: 5 }).catch((e) => e);
    expect(err.kind).toBe('old-server');
  });

  it('fails the request with EPROTO on an unexpected reply and on garbage', async () => {
    const sock = await fakeDaemon((req) =>
      req.type === 'UNLOADSERVICE' ? [{ type: 'LISTDONE' }] : [Buffer.from([57])],
    );
    const c = await ControlClient.connect(sock);
    const e1 = await c.unload(0).catch((e) => e);
    expect([e1.kind, e1.data.reply]).toEqual(['protocol', 'LISTDONE']);
    const e2 = await ControlClient.connect(sock).then((c2) => c2.reload(0).catch((e) => e));
    expect(e2.kind).toBe('protocol');
  });

  it('reports BADREQ as EBADREQ and rejects queued requests when the daemon closes', async () => {
    const sock = await fakeDaemon(() => [{ type: 'BADREQ' }]);
    const c = await ControlClient.connect(sock);
    const e = await c.closeHandle(99).catch((x) => x);
    expect(e.kind).toBe('bad-request');
    const e2 = await c.unpin(0).catch((x) => x);
    expect(e2.kind).toBe('closed');
  });

  it('refuses an empty or over-long service name before sending', async () => {
    const sock = await fakeDaemon(() => []);
    const c = await ControlClient.connect(sock);
    await expect(c.loadService('')).rejects.toBeInstanceOf(ControlError);
    await expect(c.loadService('x'.repeat(2000))).rejects.toThrow(/1021/);
    await expect(c.setenv('')).rejects.toMatchObject({ kind: 'invalid-argument' });
    expect(received.map((r) => r.type)).toEqual(['QUERYVERSION']);
    c.close();
  });

  it('waitForClose resolves when the daemon closes after shutdown', async () => {
    const sock = await fakeDaemon(() => [{ type: 'ACK' }]);
    server!.on('connection', (conn) => setTimeout(() => conn.end(), 20));
    const c = await ControlClient.connect(sock);
    await c.shutdown('halt').catch(() => undefined);
    await c.waitForClose();
    expect(received.some((r) => r.type === 'SHUTDOWN' && r.shutdownType === 2)).toBe(true);
  });
});
