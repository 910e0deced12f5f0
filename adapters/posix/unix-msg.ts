// Unix-socket messages with passed fds, through koffi: a SOCK_SEQPACKET socketpair, sendmsg with
// SCM_RIGHTS, and a recv that gives up after a timeout. Used to talk to the spawner. The struct
// layouts are little-endian Linux's (64-bit and 32-bit); elsewhere bindUnixMsg gives undefined.

import { constants } from 'node:os';
import type { Libc } from './ffi';
import { declareMsghdr, LINUX_SOCKET, messageHeader, SOCKET } from './socket';

/** Each call returns a count or -errno. */
export interface UnixMsg {
  /** A connected SOCK_SEQPACKET pair, both ends close-on-exec: [ours, theirs] or -errno. */
  socketpair(): [number, number] | number;
  /** Sends one message with fds attached (SCM_RIGHTS); blocking unless nonBlocking (-EAGAIN). */
  send(fd: number, data: Buffer, fds: readonly number[], nonBlocking?: boolean): number;
  /** Receives one message into buf; waits at most the timeout set with setRecvTimeout. */
  recv(fd: number, buf: Buffer): number;
  /** SO_RCVTIMEO: how long recv waits before failing with EAGAIN. */
  setRecvTimeout(fd: number, ms: number): number;
}

/** Linux's values of the socket constants used here. */
const C = { ...SOCKET, ...LINUX_SOCKET };

/**
 * Binds the calls on little-endian Linux; undefined elsewhere (the other kernels' msghdr and
 * cmsghdr layouts are not written yet, so they keep the child_process launch path).
 */
export function bindUnixMsg(libc: Libc, platform: string, endianness: string): UnixMsg | undefined {
  if (platform !== 'linux' || endianness !== 'LE') return undefined;
  const k = libc.koffi as unknown as { sizeof(t: string): number };
  const msghdr = declareMsghdr(libc);
  const word = k.sizeof('size_t');
  const fn = <T>(decl: string) => libc.lib.func(decl) as unknown as T;
  const socketpair = fn<(d: number, t: number, p: number, sv: number[]) => number>(
    'int socketpair(int, int, int, _Out_ int *sv)',
  );
  const sendmsg = fn<(fd: number, m: object, flags: number) => number>(
    `long sendmsg(int, const ${msghdr} *msg, int)`,
  );
  const send = fn<(fd: number, b: Buffer, n: number, f: number) => number>(
    'long send(int, const void *, size_t, int)',
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
    send(fd, data, fds, nonBlocking) {
      const flags = C.MSG_NOSIGNAL | (nonBlocking ? C.MSG_DONTWAIT : 0);
      if (fds.length === 0) {
        // Most messages carry no fd: send(2) takes the buffer as it is, where koffi would
        // build sendmsg's header from an object, looking each field up by name.
        return retryInterrupted(() => Number(send(fd, data, data.length, flags)), fail);
      }
      const header = messageHeader(data, rightsMessage(fds, word));
      return retryInterrupted(() => Number(sendmsg(fd, header, flags)), fail);
    },
    recv(fd, buf) {
      return retryInterrupted(() => Number(recv(fd, buf, buf.length, 0)), fail);
    },
    setRecvTimeout(fd, ms) {
      const tv = Buffer.alloc(2 * word);
      writeWord(tv, 0, Math.floor(ms / 1000), word);
      writeWord(tv, word, (ms % 1000) * 1000, word);
      return setsockopt(fd, C.SOL_SOCKET, C.SO_RCVTIMEO, tv, tv.length) === 0 ? 0 : fail();
    },
  };
}

/**
 * Runs a socket call again while a signal interrupts it. A call with SO_RCVTIMEO set fails with
 * EINTR even under SA_RESTART, and signals come often here: SIGCHLD from adopted orphans, the
 * profiler's SIGPROF. Each retry waits the whole timeout again, which only lengthens a wait for
 * a spawner that is answering anyway.
 */
function retryInterrupted(call: () => number, fail: () => number): number {
  for (;;) {
    const r = call();
    if (r >= 0) return r;
    const e = fail();
    if (e !== -constants.errno.EINTR) return e;
  }
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
