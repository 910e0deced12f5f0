// Fuzzing the control server over a real socket: random bytes, mutated valid packets, oversize
// packets, a client that never reads, and too many connections. Each bad connection may be
// closed; the server must keep serving a well-behaved client and never hit an internal error.

import * as net from 'node:net';
import fc from 'fast-check';
import { ControlClient } from '../../../src/client';
import { ControlServer } from '../../../src/daemon/control';
import { EnvStore } from '../../../src/daemon/env-store';
import { type Request, encodeRequest } from '../../../src/protocol';
import { sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { FakeManager } from './fake-manager';

const sb = sandboxEach('dinit-fuzz-');
let sock: string;
let manager: FakeManager;
let server: ControlServer;
let logs: string[];
let healthy: ControlClient;

beforeEach(async () => {
  sock = sb.path('control.sock');
  manager = new FakeManager();
  logs = [];
  server = new ControlServer(manager, new EnvStore({ A: '1' }), {
    serviceDirs: ['/sd'],
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    maxConnections: 6,
    maxOutputBytes: 64 * 1024,
  });
  await server.listen(sock);
  healthy = await ControlClient.connect(sock);
});

afterEach(async () => {
  healthy.close();
  await server.close();
});

/** Sends `chunks` on a fresh connection, half-closes, and resolves when the server has closed it. */
function blast(chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: sock });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.on('close', () => resolve());
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      s.end();
    });
  });
}

async function expectHealthy(): Promise<void> {
  const r = await healthy.loadService('lone');
  expect(r.kind).toBe('found');
  if (r.kind === 'found') {
    expect((await healthy.status(r.handle)).kind).toBe('status');
    await healthy.closeHandle(r.handle);
  }
}

const u32 = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0xffffffff }));
const u8 = fc.integer({ min: 0, max: 255 });
const validRequest: fc.Arbitrary<Request> = fc.oneof(
  fc.constantFrom<Request>(
    { type: 'QUERYVERSION' },
    { type: 'LISTSERVICES' },
    { type: 'LISTSERVICES5' },
    { type: 'QUERY_LOAD_MECH' },
    { type: 'LISTENENV' },
  ),
  fc.record({
    type: fc.constantFrom('FINDSERVICE' as const, 'LOADSERVICE' as const),
    name: fc.oneof(
      fc.constantFrom('boot', 'db', 'web', 'tick', 'lone', 'bad-desc', 'bad-load', 'nope'),
      fc.string({ minLength: 1, maxLength: 20 }),
    ),
  }),
  fc.record({
    type: fc.constant('SETENV' as const),
    envVar: fc.string({ minLength: 1, maxLength: 20 }),
  }),
  fc.record({
    type: fc.constantFrom(
      'STARTSERVICE' as const,
      'STOPSERVICE' as const,
      'WAKESERVICE' as const,
      'RELEASESERVICE' as const,
      'CATLOG' as const,
    ),
    flags: u8,
    handle: u32,
  }),
  fc.record({
    type: fc.constantFrom(
      'UNPINSERVICE' as const,
      'UNLOADSERVICE' as const,
      'RELOADSERVICE' as const,
      'CLOSEHANDLE' as const,
      'SERVICESTATUS' as const,
      'SERVICESTATUS5' as const,
      'SERVICESTATUS6' as const,
    ),
    handle: u32,
  }),
  fc.record({ type: fc.constant('GETALLENV' as const), reserved: fc.constantFrom(0, 0, 1) }),
  fc.record({
    type: fc.constantFrom('ADD_DEP' as const, 'REM_DEP' as const, 'ENABLESERVICE' as const),
    depType: u8,
    from: u32,
    to: u32,
  }),
  fc.record({
    type: fc.constantFrom('QUERYSERVICENAME' as const, 'QUERYSERVICEDSCDIR' as const),
    reserved: u8,
    handle: u32,
  }),
  fc.record({ type: fc.constant('SETTRIGGER' as const), handle: u32, value: u8 }),
  fc.record({
    type: fc.constant('SIGNAL' as const),
    signal: fc.integer({ min: -5, max: 100 }),
    handle: u32,
  }),
);

/** A session: a few loads to get handles, then valid requests, with some bytes mutated. */
const session = fc
  .tuple(
    fc.array(validRequest, { minLength: 1, maxLength: 12 }),
    fc.array(fc.tuple(fc.nat(), u8), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
    fc.integer({ min: 1, max: 16 }),
  )
  .map(([reqs, flips, cut, chunk]) => {
    const prefix: Request[] = [
      { type: 'LOADSERVICE', name: 'boot' },
      { type: 'LOADSERVICE', name: 'web' },
    ];
    let bytes = Buffer.concat([...prefix, ...reqs].map(encodeRequest));
    for (const [pos, val] of flips) bytes[pos % bytes.length] = val;
    if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
    return chunks;
  });

describe('control server under fuzzing', () => {
  it('survives random bytes on many connections and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        async (parts) => {
          await blast(parts.map((p) => Buffer.from(p)));
        },
      ),
      { numRuns: 150 },
    );
    await expectHealthy();
    expect(logs.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('survives mutated and truncated valid sessions and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(session, async (chunks) => {
        await blast(chunks);
      }),
      { numRuns: 200 },
    );
    await expectHealthy();
    expect(logs.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('answers a request longer than the 1024-byte input buffer with BADREQ and closes', async () => {
    const s = net.createConnection({ path: sock });
    s.on('error', () => undefined);
    const got: number[] = [];
    s.on('data', (d) => got.push(...d));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    // The largest accepted name first (answered NOSERVICE), then a SETENV claiming 2000 bytes.
    const big = Buffer.alloc(3 + 1021, 0x61);
    big[0] = 2;
    big.writeUInt16LE(1021, 1);
    s.write(Buffer.concat([big, Buffer.from([17, 0xd0, 0x07, 0x41])]));
    // We never end our side: the server must close the connection itself.
    await closed;
    expect(got).toEqual([60, 52]);
    await expectHealthy();
  });

  it('drops a client that never reads while events pile up, and only that one', async () => {
    const slow = net.createConnection({ path: sock });
    slow.on('error', () => undefined);
    await new Promise<void>((r) => slow.on('connect', () => r()));
    slow.write(encodeRequest({ type: 'LOADSERVICE', name: 'lone' }));
    manager.load('lone');
    // The reply carries the slow client's handle: from then on it holds 'lone' and never reads.
    await new Promise<void>((r) =>
      slow.once('data', () => {
        slow.pause();
        r();
      }),
    );
    expect(server.connectionCount).toBe(2);
    // The healthy client watches the same service and reads everything it is sent.
    let seen = 0;
    healthy.setEventHandler(() => seen++);
    const mine = await healthy.loadService('lone');
    // A paused client does not notice the close, so watch the server side. Yield between
    // batches so that a client which reads can keep up.
    let sent = 0;
    while (sent < 200000 && server.connectionCount === 2) {
      for (let i = 0; i < 200; i++, sent++) manager.emit('lone', i % 2 ? 'started' : 'stopped');
      await new Promise((r) => setImmediate(r));
    }
    expect(server.connectionCount).toBe(1);
    await eventually('the healthy client to read every event', () => seen >= sent);
    expect(seen).toBe(sent);
    if (mine.kind === 'found') await healthy.closeHandle(mine.handle);
    expect(logs.some((l) => l.includes('not reading its output'))).toBe(true);
    await expectHealthy();
    slow.destroy();
  });

  it('stops reading requests from a client that does not read replies, then catches up', async () => {
    let lists = 0;
    const realList = manager.list.bind(manager);
    manager.list = () => {
      lists++;
      return realList();
    };
    manager.load('boot');
    const s = net.createConnection({ path: sock });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.on('connect', () => r()));
    // Size of one answer, read normally.
    let got = 0;
    const onData = (d: Buffer): void => {
      got += d.length;
    };
    s.on('data', onData);
    s.write(Buffer.from([25]));
    await eventually('the first answer', () => got > 0);
    await new Promise((r) => setTimeout(r, 20));
    const one = got;
    expect(one).toBeGreaterThan(10);
    // Now pipeline many requests while not reading.
    s.pause();
    const n = 20000;
    s.write(Buffer.alloc(n, 25));
    let last = -1;
    for (let i = 0; i < 400 && lists !== last; i++) {
      last = lists;
      await new Promise((r) => setTimeout(r, 20));
    }
    // The server stopped taking requests once its output backed up (and did not drop us).
    expect(lists).toBeLessThan(n + 1);
    expect(server.connectionCount).toBe(2);
    s.resume();
    await eventually('every answer', () => got >= one * (n + 1));
    expect(got).toBe(one * (n + 1));
    expect(lists).toBe(n + 1);
    s.destroy();
  });

  it('sends a reply larger than the output bound whole (catlog of a big buffer)', async () => {
    manager.load('web');
    const big = 'x'.repeat(1024 * 1024) + '\n';
    manager.appendLog('web', big);
    const r = await healthy.findService('web');
    if (r.kind !== 'found') throw new Error('web not loaded');
    expect(await healthy.catlog(r.handle)).toEqual({ kind: 'log', data: Buffer.from(big) });
  });

  it('refuses connections beyond the limit and serves again when they go', async () => {
    const extra: net.Socket[] = [];
    for (let i = 0; i < 8; i++) {
      const s = net.createConnection({ path: sock });
      s.on('error', () => undefined);
      extra.push(s);
      await new Promise<void>((r) => s.on('connect', () => r()));
    }
    await eventually('the limit to be reached', () => server.connectionCount >= 6);
    expect(server.connectionCount).toBe(6);
    for (const s of extra) s.destroy();
    await eventually('the extra connections to go', () => server.connectionCount === 1);
    await expectHealthy();
  });
});
