// The byte stream under ControlClient: a unix socket on libuv's pipe handle where the runtime
// exposes it (Node 20 to 24 do), otherwise a node:net socket. node:net pulls in Node's stream
// modules, about 4 ms of every dinitctl run (as much as the rest of a query together).

import { fstatSync } from 'node:fs';
import type * as net from 'node:net';
import { getSystemErrorName } from 'node:util';

/** What a transport tells its owner; each is called in stream order. */
export interface TransportSink {
  data(d: Buffer): void;
  /** A read or write failed; close() follows. */
  error(e: NodeJS.ErrnoException): void;
  /** The connection is gone (the daemon closed it, an error, or destroy()). Called once. */
  close(): void;
}

/** A connected stream: writes go out in order; destroy() closes it (close() follows). */
export interface Transport {
  write(bytes: Buffer): void;
  destroy(): void;
}

/**
 * Holds what arrives before the owner is attached (the client object is made after connect),
 * then forwards to it.
 */
export class EarlySink implements TransportSink {
  private readonly early: (() => void)[] = [];
  private to: TransportSink | undefined;

  attach(to: TransportSink): void {
    this.to = to;
    for (const f of this.early.splice(0)) f();
  }

  data(d: Buffer): void {
    if (this.to !== undefined) this.to.data(d);
    else this.early.push(() => this.to!.data(d));
  }

  error(e: NodeJS.ErrnoException): void {
    if (this.to !== undefined) this.to.error(e);
    else this.early.push(() => this.to!.error(e));
  }

  close(): void {
    if (this.to !== undefined) this.to.close();
    else this.early.push(() => this.to!.close());
  }
}

/** libuv's pipe handle and stream plumbing, as Node's own net module uses them. */
interface UvBindings {
  Pipe: new (type: number) => UvPipeHandle;
  PipeConnectWrap: new () => { oncomplete: (status: number) => void };
  WriteWrap: new () => UvWriteReq;
  socketType: number;
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}
interface UvPipeHandle {
  onread: (this: UvPipeHandle, ab: ArrayBuffer | undefined) => void;
  connect(req: object, path: string): number;
  open(fd: number): number;
  readStart(): number;
  writeBuffer(req: UvWriteReq, data: Buffer): number;
  close(cb: () => void): void;
}
interface UvWriteReq {
  handle: UvPipeHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes?: Buffer;
}

/** libuv's end-of-stream status. */
const UV_EOF = -4095;

/** DINIT_TS_NET_SOCKET=1 picks node:net (to compare the two, or to rule the pipe handle out). */
const forceNet = process.env.DINIT_TS_NET_SOCKET === '1';
let uvCache: UvBindings | null | undefined;

/** Which transport connectTransport() and openTransport() use in this process. */
export function transportKind(): 'libuv-pipe' | 'net' {
  return uvBindings() === null ? 'net' : 'libuv-pipe';
}

/** The bindings, or null where this runtime does not offer them (then node:net is used). */
function uvBindings(): UvBindings | null {
  if (uvCache !== undefined) return uvCache;
  uvCache = null;
  if (forceNet) return uvCache;
  try {
    const binding = (process as unknown as { binding(n: string): Record<string, unknown> }).binding;
    const pipe = binding('pipe_wrap');
    const stream = binding('stream_wrap');
    const constants = pipe.constants as Record<string, number> | undefined;
    const state = stream.streamBaseState as Int32Array | undefined;
    if (
      typeof pipe.Pipe === 'function' &&
      typeof pipe.PipeConnectWrap === 'function' &&
      typeof stream.WriteWrap === 'function' &&
      typeof constants?.SOCKET === 'number' &&
      // Not instanceof: under a test runner the array may come from another realm.
      ArrayBuffer.isView(state) &&
      typeof stream.kReadBytesOrError === 'number' &&
      typeof stream.kArrayBufferOffset === 'number' &&
      typeof stream.kLastWriteWasAsync === 'number'
    ) {
      uvCache = {
        Pipe: pipe.Pipe as UvBindings['Pipe'],
        PipeConnectWrap: pipe.PipeConnectWrap as UvBindings['PipeConnectWrap'],
        WriteWrap: stream.WriteWrap as UvBindings['WriteWrap'],
        socketType: constants.SOCKET,
        state,
        kReadBytesOrError: stream.kReadBytesOrError,
        kArrayBufferOffset: stream.kArrayBufferOffset,
        kLastWriteWasAsync: stream.kLastWriteWasAsync,
      };
    }
  } catch {
    // process.binding is gone, or refused (the permission model): node:net it is.
  }
  return uvCache;
}

/** An error as Node's own sockets report it: code 'ENOENT', errno -2, "connect ENOENT path". */
function uvError(status: number, syscall: string, path?: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const e: NodeJS.ErrnoException = new Error(
    `${syscall} ${code}${path === undefined ? '' : ` ${path}`}`,
  );
  e.code = code;
  e.errno = status;
  e.syscall = syscall;
  return e;
}

class UvTransport implements Transport {
  private closed = false;

  constructor(
    private readonly uv: UvBindings,
    private readonly handle: UvPipeHandle,
    private readonly sink: TransportSink,
  ) {
    const onRead = (ab: ArrayBuffer | undefined): void => this.onRead(ab);
    handle.onread = onRead;
  }

  start(): void {
    const err = this.handle.readStart();
    if (err < 0) this.fail(uvError(err, 'read'));
  }

  write(bytes: Buffer): void {
    if (this.closed) return;
    const req = new this.uv.WriteWrap();
    req.handle = this.handle;
    req.async = false;
    req.oncomplete = (status) => {
      req.bytes = undefined;
      if (status < 0) this.fail(uvError(status, 'write'));
    };
    const err = this.handle.writeBuffer(req, bytes);
    if (err < 0) this.fail(uvError(err, 'write'));
    // The bytes must live until libuv is done with them.
    else if (this.uv.state[this.uv.kLastWriteWasAsync] !== 0) req.bytes = bytes;
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close(() => this.sink.close());
  }

  private onRead(ab: ArrayBuffer | undefined): void {
    const n = this.uv.state[this.uv.kReadBytesOrError];
    if (n > 0 && ab !== undefined) {
      // The buffer is this read's own: no copy needed.
      this.sink.data(Buffer.from(ab, this.uv.state[this.uv.kArrayBufferOffset], n));
    } else if (n === UV_EOF) {
      this.destroy();
    } else if (n < 0) {
      this.fail(uvError(n, 'read'));
    }
  }

  private fail(e: NodeJS.ErrnoException): void {
    if (this.closed) return;
    this.sink.error(e);
    this.destroy();
  }
}

/**
 * Connects to the unix socket at `path` (text). Resolves with the transport once connected;
 * rejects with Node's connect error (code, errno, syscall) otherwise.
 */
export function connectTransport(path: string, sink: TransportSink): Promise<Transport> {
  const uv = uvBindings();
  if (uv === null) return netConnect(path, sink);
  return new Promise((resolve, reject) => {
    const handle = new uv.Pipe(uv.socketType);
    const t = new UvTransport(uv, handle, sink);
    const req = new uv.PipeConnectWrap();
    req.oncomplete = (status) => {
      if (status < 0) {
        handle.close(() => undefined);
        reject(uvError(status, 'connect', path));
        return;
      }
      t.start();
      resolve(t);
    };
    const err = handle.connect(req, path);
    if (err < 0) {
      handle.close(() => undefined);
      reject(uvError(err, 'connect', path));
    }
  });
}

/**
 * Uses an already connected socket descriptor. Throws Node's error (EBADF, or ENOTSOCK for
 * what is not a socket) when it cannot.
 */
export function openTransport(fd: number, sink: TransportSink): Transport {
  const uv = uvBindings();
  if (uv === null) return netOpen(fd, sink);
  // libuv would take any descriptor and fail at the first read.
  if (!fstatSync(fd).isSocket()) {
    // node:os is loaded here only: a query on a socket path does not need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { constants } = require('node:os') as typeof import('node:os');
    throw uvError(-constants.errno.ENOTSOCK, 'open');
  }
  const handle = new uv.Pipe(uv.socketType);
  const err = handle.open(fd);
  if (err < 0) {
    handle.close(() => undefined);
    throw uvError(err, 'open');
  }
  const t = new UvTransport(uv, handle, sink);
  t.start();
  return t;
}

/**
 * The socket's onread option: each read goes to the sink directly rather than through the
 * socket's readable stream. Node reuses the buffer for every read, so each is copied out.
 */
function onreadTo(sink: TransportSink): net.OnReadOpts {
  return {
    buffer: Buffer.allocUnsafe(64 * 1024),
    callback: (n, buf) => {
      sink.data(Buffer.from(buf.subarray(0, n)));
      return true;
    },
  };
}

function forward(s: net.Socket, sink: TransportSink): Transport {
  s.on('error', (e: NodeJS.ErrnoException) => sink.error(e));
  s.on('close', () => sink.close());
  return { write: (b) => void s.write(b), destroy: () => void s.destroy() };
}

function netConnect(path: string, sink: TransportSink): Promise<Transport> {
  // Loaded only here: this path is the fallback.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const netModule = require('node:net') as typeof net;
  return new Promise((resolve, reject) => {
    const s = netModule.createConnection({ path, onread: onreadTo(sink) });
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(forward(s, sink));
    });
  });
}

function netOpen(fd: number, sink: TransportSink): Transport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const netModule = require('node:net') as typeof net;
  // Node takes onread here too (its types list it for connect only).
  const opts = { fd, readable: true, writable: true, onread: onreadTo(sink) };
  return forward(new netModule.Socket(opts as net.SocketConstructorOpts), sink);
}
