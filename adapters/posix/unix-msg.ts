// Unix-socket messages with passed fds, through koffi: a SOCK_SEQPACKET socketpair, sendmsg with
// SCM_RIGHTS, and a recv that gives up after a timeout. Used to talk to the spawner. The struct
// layouts are little-endian Linux's (64-bit and 32-bit); elsewhere bindUnixMsg gives undefined.

import type { Libc } from './ffi';

/** Each call returns a count or -errno. */
export interface UnixMsg {
  /** A connected SOCK_SEQPACKET pair, both ends close-on-exec: [ours, theirs] or -errno. */
  socketpair(): [number, number] | number;
  /** Sends one message with fds attached (SCM_RIGHTS); blocking. */
  send(fd: number, data: Buffer, fds: readonly number[]): number;
  /** Receives one message into buf; waits at most the timeout set with setRecvTimeout. */
  recv(fd: number, buf: Buffer): number;
  /** SO_RCVTIMEO: how long recv waits before failing with EAGAIN. */
  setRecvTimeout(fd: number, ms: number): number;
}

/** Linux's values of the socket constants used here. */
const C = {
  AF_UNIX: 1,
  SOCK_SEQPACKET: 5,
  SOCK_CLOEXEC: 0x80000,
  SOL_SOCKET: 1,
  SCM_RIGHTS: 1,
  SO_RCVTIMEO: 20,
  MSG_NOSIGNAL: 0x4000,
} as const;

/**
 * Binds the calls on little-endian Linux; undefined elsewhere (the other kernels' msghdr and
 * cmsghdr layouts are not written yet, so they keep the child_process launch path).
 */
export function bindUnixMsg(libc: Libc, platform: string, endianness: string): UnixMsg | undefined {
  if (platform !== 'linux' || endianness !== 'LE') return undefined;
  const k = libc.koffi as unknown as {
    struct(name: string, def: Record<string, string>): unknown;
    sizeof(t: string): number;
  };
  try {
    k.struct('dinit_iovec', { base: 'void *', len: 'size_t' });
    k.struct('dinit_msghdr', {
      name: 'void *',
      namelen: 'uint32_t',
      iov: 'dinit_iovec *',
      iovlen: 'size_t',
      control: 'void *',
      controllen: 'size_t',
      flags: 'int',
    });
  } catch {
    // Declared by an earlier load of this module (koffi's types are process-wide).
  }
  const word = k.sizeof('size_t');
  const fn = <T>(decl: string) => libc.lib.func(decl) as unknown as T;
  const socketpair = fn<(d: number, t: number, p: number, sv: number[]) => number>(
    'int socketpair(int, int, int, _Out_ int *sv)',
  );
  const sendmsg = fn<(fd: number, m: object, flags: number) => number>(
    'long sendmsg(int, const dinit_msghdr *msg, int)',
  );
  const recv = fn<(fd: number, b: Buffer, n: number, f: number) => number>(
    'long recv(int, void *, size_t, int)',
  );
  const setsockopt = fn<(fd: number, l: number, o: number, v: Buffer, n: number) => number>(
    'int setsockopt(int, int, int, void *, uint32_t)',
  );
  const fail = () => -libc.errno();
  return {
    socketpair() {
      const sv = [0, 0];
      if (socketpair(C.AF_UNIX, C.SOCK_SEQPACKET | C.SOCK_CLOEXEC, 0, sv) !== 0) return fail();
      return [sv[0], sv[1]];
    },
    send(fd, data, fds) {
      const control = fds.length > 0 ? rightsMessage(fds, word) : null;
      const m = {
        name: null,
        namelen: 0,
        iov: [{ base: data, len: data.length }],
        iovlen: 1,
        control,
        controllen: control ? control.length : 0,
        flags: 0,
      };
      const r = Number(sendmsg(fd, m, C.MSG_NOSIGNAL));
      return r < 0 ? fail() : r;
    },
    recv(fd, buf) {
      const r = Number(recv(fd, buf, buf.length, 0));
      return r < 0 ? fail() : r;
    },
    setRecvTimeout(fd, ms) {
      const tv = Buffer.alloc(2 * word);
      writeWord(tv, 0, Math.floor(ms / 1000), word);
      writeWord(tv, word, (ms % 1000) * 1000, word);
      return setsockopt(fd, C.SOL_SOCKET, C.SO_RCVTIMEO, tv, tv.length) === 0 ? 0 : fail();
    },
  };
}

/** A cmsghdr carrying fds: length (a size_t), level, type, then the fds, padded to a word. */
function rightsMessage(fds: readonly number[], word: number): Buffer {
  const header = word + 8;
  const len = header + 4 * fds.length;
  const buf = Buffer.alloc(Math.ceil(len / word) * word);
  writeWord(buf, 0, len, word);
  buf.writeInt32LE(C.SOL_SOCKET, word);
  buf.writeInt32LE(C.SCM_RIGHTS, word + 4);
  fds.forEach((fd, i) => buf.writeInt32LE(fd, header + 4 * i));
  return buf;
}

function writeWord(buf: Buffer, off: number, v: number, word: number): void {
  if (word === 8) buf.writeBigUInt64LE(BigInt(v), off);
  else buf.writeUInt32LE(v, off);
}
