// A unix-domain datagram receiver for tests (a stand-in for syslogd's /dev/log, bound at a temp
// path) and a datagram socketpair, through koffi since node:dgram has no unix sockets. Reads
// never block: receive() returns what has arrived so far.

import * as fs from 'node:fs';
import { loadLibc, type Libc } from '../../adapters/posix/ffi';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;

function libc(): Libc {
  const l = loadLibc(['libc.so.6', '']);
  if (l === undefined) throw new Error('koffi cannot load libc');
  return l;
}

/** Every datagram waiting on fd (non-blocking), each as text. */
function drain(fd: number): string[] {
  const out: string[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return out;
      throw e;
    }
    out.push(buf.subarray(0, n).toString());
  }
}

export interface DgramReceiver {
  readonly path: string;
  /** The datagrams that arrived since the last call, in order. */
  receive(): string[];
  close(): void;
}

/** Binds a datagram socket at path (Linux). */
export function bindDgramReceiver(path: string): DgramReceiver {
  const l = libc();
  const fd = l.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket: ${l.strerror(l.errno())}`);
  const bytes = Buffer.from(path);
  const addr = Buffer.alloc(2 + bytes.length + 1);
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 2);
  if (l.bind(fd, addr, addr.length) !== 0) {
    const e = l.errno();
    l.close(fd);
    throw new Error(`bind ${path}: ${l.strerror(e)}`);
  }
  let open = true;
  return {
    path,
    receive: () => drain(fd),
    close: () => {
      if (open) l.close(fd);
      open = false;
      fs.rmSync(path, { force: true });
    },
  };
}

/** A connected SOCK_DGRAM pair: [sender, receiver fd with a non-blocking receive()]. */
export function dgramPair(): { sender: number; receive(): string[]; close(): void } {
  const l = libc();
  const socketpair = l.lib.func('int socketpair(int, int, int, _Out_ int *sv)') as (
    d: number,
    t: number,
    p: number,
    sv: number[],
  ) => number;
  const sv = [0, 0];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) !== 0) {
    throw new Error(`socketpair: ${l.strerror(l.errno())}`);
  }
  l.fcntl(sv[1], 4 /* F_SETFL */, SOCK_NONBLOCK /* O_NONBLOCK has the same value */);
  return {
    sender: sv[0],
    receive: () => drain(sv[1]),
    close: () => l.close(sv[1]),
  };
}
