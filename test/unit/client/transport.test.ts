// The control client's transports, libuv's pipe handle and the node:net fallback, against a
// real unix socket: bytes both ways in order, the peer's close, connect and descriptor errors
// reported as Node's own sockets report them.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as TransportModule from '../../../src/client/transport';

type Mod = typeof TransportModule;

/** The built module, for a child process (npm run build makes it). */
const BUILT = path.resolve(__dirname, '../../../dist/src/client/transport.js');

/** The module as loaded with DINIT_TS_NET_SOCKET set to `net` (its choice is made once). */
function load(useNet: boolean): Mod {
  const saved = process.env.DINIT_TS_NET_SOCKET;
  let mod: Mod | undefined;
  if (useNet) process.env.DINIT_TS_NET_SOCKET = '1';
  else delete process.env.DINIT_TS_NET_SOCKET;
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require('../../../src/client/transport') as Mod;
    });
  } finally {
    if (saved === undefined) delete process.env.DINIT_TS_NET_SOCKET;
    else process.env.DINIT_TS_NET_SOCKET = saved;
  }
  return mod!;
}

/** Collects what a transport reports. */
function recorder(): {
  sink: TransportModule.TransportSink;
  data: Buffer[];
  errors: NodeJS.ErrnoException[];
  closed: Promise<void>;
} {
  const data: Buffer[] = [];
  const errors: NodeJS.ErrnoException[] = [];
  let done!: () => void;
  const closed = new Promise<void>((r) => (done = r));
  let closes = 0;
  const sink = {
    data: (d: Buffer) => data.push(Buffer.from(d)),
    error: (e: NodeJS.ErrnoException) => errors.push(e),
    close: () => {
      closes++;
      if (closes > 1) throw new Error('close reported twice');
      done();
    },
  };
  return { sink, data, errors, closed };
}

let dir: string;
let server: net.Server | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-transport-'));
});
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A server on a fresh socket path; `onConn` gets each connection. */
async function serve(onConn: (c: net.Socket) => void): Promise<string> {
  const sock = path.join(dir, 'sock');
  server = net.createServer(onConn);
  await new Promise<void>((r) => server!.listen(sock, r));
  return sock;
}

describe.each([
  ['libuv pipe', false],
  ['node:net', true],
])('%s transport', (_name, useNet) => {
  const mod = load(useNet);

  it('is the transport asked for', () => {
    expect(mod.transportKind()).toBe(useNet ? 'net' : 'libuv-pipe');
  });

  it('carries bytes both ways in order and reports the peer closing once', async () => {
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const got: Buffer[] = [];
    const sock = await serve((c) => {
      c.on('data', (d) => {
        got.push(d);
        if (Buffer.concat(got).toString() === 'ping') c.end(big);
      });
    });
    const r = recorder();
    const t = await mod.connectTransport(sock, r.sink);
    t.write(Buffer.from('pi'));
    t.write(Buffer.from('ng'));
    await r.closed;
    expect(Buffer.concat(got).toString()).toBe('ping');
    expect(Buffer.concat(r.data).equals(big)).toBe(true);
    expect(r.errors).toEqual([]);
  });

  it('reports close once after destroy, and writes after it go nowhere', async () => {
    const sock = await serve(() => undefined);
    const r = recorder();
    const t = await mod.connectTransport(sock, r.sink);
    t.destroy();
    t.destroy();
    t.write(Buffer.from('late'));
    await r.closed;
    expect(r.errors).toEqual([]);
  });

  it('rejects a connect to a missing socket as node:net does', async () => {
    const missing = path.join(dir, 'nothing-here');
    const r = recorder();
    const e = (await mod.connectTransport(missing, r.sink).then(
      () => undefined,
      (err: unknown) => err,
    )) as NodeJS.ErrnoException;
    expect(e.code).toBe('ENOENT');
    expect(e.errno).toBe(-os.constants.errno.ENOENT);
    expect(e.syscall).toBe('connect');
    expect(e.message).toBe(`connect ENOENT ${missing}`);
  });

  it('uses a connected descriptor (as DINIT_CS_FD hands one over)', async () => {
    const sock = await serve((c) => c.on('data', (d) => c.end(`got ${d.toString()}`)));
    const s = net.createConnection(sock);
    await new Promise((r) => s.once('connect', r));
    // A child that inherits the connection as fd 3 and talks over it with the built module.
    const code = `
      const t = require(${JSON.stringify(BUILT)});
      const out = [];
      const tr = t.openTransport(3, {
        data: (d) => out.push(Buffer.from(d)),
        error: (e) => { console.log('error ' + e.code); },
        close: () => console.log(t.transportKind() + ': ' + Buffer.concat(out).toString()),
      });
      tr.write(Buffer.from('hello'));`;
    const env = { ...process.env, DINIT_TS_NET_SOCKET: useNet ? '1' : '' };
    const child = spawn(process.execPath, ['-e', code], {
      stdio: ['ignore', 'pipe', 'inherit', s],
      env,
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const status = await new Promise((r) => child.on('exit', r));
    s.destroy();
    expect(status).toBe(0);
    expect(out).toBe(`${useNet ? 'net' : 'libuv-pipe'}: got hello\n`);
  });
});

describe('libuv pipe transport on a descriptor', () => {
  const mod = load(false);

  it('refuses a descriptor that is not a socket with ENOTSOCK', () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    const fd = fs.openSync(file, 'r');
    try {
      const r = recorder();
      let err: NodeJS.ErrnoException | undefined;
      try {
        mod.openTransport(fd, r.sink);
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      expect(err?.code).toBe('ENOTSOCK');
    } finally {
      fs.closeSync(fd);
    }
  });
});
