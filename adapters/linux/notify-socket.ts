// sd_notify sockets on Linux: one SOCK_DGRAM unix socket per launch, with SO_PASSCRED so each
// datagram carries its sender's pid, in a private directory of the daemon's. Node's dgram has no
// unix datagram sockets, so the calls go through koffi and readability through the poll thread
// of the pidfd watcher.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodeOs from 'node:os';
import * as path from 'node:path';
import type { NotifyDatagram, NotifySocket } from '../../src/core/os';
import type { Libc } from '../posix/ffi';
import { declareMsghdr, LINUX_SOCKET, messageHeader, SOCKET } from '../posix/socket';
import { fromText, toBytes } from '../../src/bytes';

const { AF_UNIX, SOCK_DGRAM } = SOCKET;
const { SOCK_NONBLOCK, SOCK_CLOEXEC, SOL_SOCKET, SO_PASSCRED, SCM_RIGHTS, SCM_CREDENTIALS } =
  LINUX_SOCKET;
const { MSG_DONTWAIT, MSG_TRUNC, MSG_CMSG_CLOEXEC } = LINUX_SOCKET;
const EINTR = 4;
/** The largest message read, as systemd reads them (longer ones are dropped). */
const MESSAGE_MAX = 4096;
/** Room for the credentials and a few passed fds (closed at once). */
const CONTROL_MAX = 512;
/** How often a socket is read when no poll thread is available. */
const FALLBACK_POLL_MS = 100;

/** Something that calls back once when an fd has data (the pidfd watcher's poll thread). */
export interface ReadableWatch {
  watchReadable(fd: number, onReadable: () => void): { cancel(): void };
}

interface MsgCalls {
  setsockopt(fd: number, level: number, opt: number, v: Buffer, n: number): number;
  recvmsg(fd: number, msg: Record<string, unknown>, flags: number): number;
  getsid(pid: number): number;
}

/** How a socket's file is named in its directory (six random bytes in hex). */
const SOCKET_NAME = /^[0-9a-f]{12}$/;
/** How the directory of a daemon's sockets is named (mkdtemp's suffix added). */
const DIR_PREFIX = 'dinit-notify.';

/**
 * The notify sockets of one daemon, under one directory it creates on first use; sockets taken
 * over from an earlier manager stay in that manager's directory.
 */
export class NotifySockets {
  private dir: string | undefined;
  /** Open sockets per directory; a directory goes when its last one closes. */
  private readonly openIn = new Map<string, number>();
  private calls: MsgCalls | undefined;
  private readonly word: number;
  private readonly le = nodeOs.endianness() === 'LE';

  constructor(
    private readonly libc: Libc,
    /** The poll thread, or undefined: each socket is then read on a timer. */
    private readonly watcher: () => ReadableWatch | undefined,
    private readonly sockaddrUn: (p: string) => Buffer | undefined,
  ) {
    const k = libc.koffi as unknown as { sizeof(t: string): number };
    this.word = k.sizeof('size_t');
  }

  /**
   * Opens a socket only owner (and the daemon) may send to; each datagram goes to onMessage.
   * Throws an Error whose message says which step failed.
   */
  open(
    owner: { uid?: number; gid?: number },
    onMessage: (m: NotifyDatagram) => void,
    at?: string,
  ): NotifySocket {
    const calls = this.bind();
    const dir = at === undefined ? this.directory() : this.earlierDirectory(at);
    const p = at ?? path.join(dir, crypto.randomBytes(6).toString('hex'));
    const addr = this.sockaddrUn(p);
    if (!addr) throw new Error(`socket path too long: ${p}`);
    const libc = this.libc;
    const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error(`socket: ${libc.strerror(libc.errno())}`);
    const fail = (what: string, errno: number): never => {
      libc.close(fd);
      try {
        fs.unlinkSync(toBytes(p));
      } catch {
        // Not created.
      }
      this.removeIfUnused(dir);
      throw new Error(`${what}: ${libc.strerror(errno)}`);
    };
    const one = Buffer.alloc(4);
    one.writeInt32LE(1);
    if (!this.le) one.writeInt32BE(1);
    if (calls.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, one, 4) !== 0)
      fail('SO_PASSCRED', libc.errno());
    if (libc.bind(fd, addr, addr.length) !== 0) fail(`bind ${p}`, libc.errno());
    try {
      fs.chmodSync(toBytes(p), 0o600);
      if (owner.uid !== undefined || owner.gid !== undefined)
        fs.chownSync(toBytes(p), owner.uid ?? -1, owner.gid ?? -1);
    } catch (e) {
      fail(`chown/chmod ${p}`, (e as NodeJS.ErrnoException).errno ?? 0);
    }
    this.openIn.set(dir, (this.openIn.get(dir) ?? 0) + 1);
    return new LinuxNotifySocket(p, fd, onMessage, this, this.watcher());
  }

  /**
   * The directory of a socket an earlier manager of ours opened, checked to be one (a socket
   * name in a directory named as ours are, owned by us and not writable by others), made again
   * if it is gone; the socket's stale file is removed. Throws when the path is not such a one.
   */
  private earlierDirectory(at: string): string {
    const dir = path.dirname(at);
    if (!path.isAbsolute(at) || !SOCKET_NAME.test(path.basename(at))) {
      throw new Error(`not a socket path of ours: ${at}`);
    }
    if (!path.basename(dir).startsWith(DIR_PREFIX)) {
      throw new Error(`not a directory of ours: ${dir}`);
    }
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(toBytes(dir));
    } catch {
      // Gone (a cleaned runtime directory): made again below.
    }
    if (st === undefined) {
      fs.mkdirSync(toBytes(dir), { mode: 0o700 });
      fs.chmodSync(toBytes(dir), 0o711);
    } else if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
      throw new Error(`${dir} is not a directory of this user's that only it may write`);
    }
    try {
      if (!fs.lstatSync(toBytes(at)).isSocket()) throw new Error(`${at} is not a socket`);
      fs.unlinkSync(toBytes(at));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return dir;
  }

  /** getsid(2), or undefined when the process is gone. */
  sessionOf(pid: number): number | undefined {
    const sid = this.bind().getsid(pid);
    return sid < 0 ? undefined : sid;
  }

  /** Reads every queued datagram of fd, until none is left or deliver returns false. */
  readAll(fd: number, deliver: (m: NotifyDatagram) => boolean): void {
    const calls = this.bind();
    for (;;) {
      const data = Buffer.alloc(MESSAGE_MAX);
      const control = Buffer.alloc(CONTROL_MAX);
      const msg = messageHeader(data, control);
      const n = Number(calls.recvmsg(fd, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
      if (n < 0) {
        if (this.libc.errno() === EINTR) continue;
        return; // EAGAIN: nothing more (or an error, which the next read meets again)
      }
      const pid = this.controlMessages(control, Number(msg.controllen));
      if ((Number(msg.flags) & MSG_TRUNC) !== 0) continue;
      const m: NotifyDatagram = { data: data.subarray(0, n) };
      if (pid !== undefined) m.pid = pid;
      if (!deliver(m)) return;
    }
  }

  /** A socket in dir closed: its fd goes, and the directory once no socket is left in it. */
  released(fd: number, dir: string): void {
    this.libc.close(fd);
    const n = (this.openIn.get(dir) ?? 1) - 1;
    if (n > 0) this.openIn.set(dir, n);
    else this.openIn.delete(dir);
    this.removeIfUnused(dir);
  }

  /** Removes the directory (every socket in it is closed by then). */
  dispose(): void {
    if (this.dir === undefined) return;
    fs.rmSync(toBytes(this.dir), { recursive: true, force: true });
    this.dir = undefined;
  }

  /**
   * The daemon never leaves an empty directory behind: it goes with its last socket (the daemon
   * exits only once every service has stopped), and the next socket makes a new one. An earlier
   * manager's directory goes likewise once no socket we took over is left in it.
   */
  private removeIfUnused(dir: string): void {
    if (this.openIn.has(dir)) return;
    try {
      fs.rmdirSync(toBytes(dir));
    } catch (e) {
      // Not empty: left for dispose() (our own), or for good (an earlier manager's, where a
      // service still running may hold a socket). Gone: a new one is made when needed.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
    if (dir === this.dir) this.dir = undefined;
  }

  /**
   * The sender's pid from SCM_CREDENTIALS; fds passed with SCM_RIGHTS are closed at once
   * (which is what a BARRIER=1 sender waits for).
   */
  private controlMessages(control: Buffer, length: number): number | undefined {
    const w = this.word;
    const align = (n: number) => Math.ceil(n / w) * w;
    const i32 = (o: number) => (this.le ? control.readInt32LE(o) : control.readInt32BE(o));
    const len = (o: number) =>
      w === 8
        ? Number(this.le ? control.readBigUInt64LE(o) : control.readBigUInt64BE(o))
        : this.le
          ? control.readUInt32LE(o)
          : control.readUInt32BE(o);
    const header = align(w + 8);
    let pid: number | undefined;
    let off = 0;
    while (off + header <= Math.min(length, control.length)) {
      const cl = len(off);
      if (cl < header || off + cl > control.length) break;
      const level = i32(off + w);
      const type = i32(off + w + 4);
      if (level === SOL_SOCKET && type === SCM_CREDENTIALS && cl >= header + 12) {
        pid = i32(off + header);
      } else if (level === SOL_SOCKET && type === SCM_RIGHTS) {
        for (let o = off + header; o + 4 <= off + cl; o += 4) this.libc.close(i32(o));
      }
      off += align(cl);
    }
    return pid;
  }

  private bind(): MsgCalls {
    if (this.calls) return this.calls;
    const msghdr = declareMsghdr(this.libc);
    const lib = this.libc.lib;
    this.calls = {
      setsockopt: lib.func('int setsockopt(int, int, int, void *, uint32_t)') as (
        ...a: unknown[]
      ) => number,
      recvmsg: lib.func(`long recvmsg(int, _Inout_ ${msghdr} *msg, int)`) as (
        ...a: unknown[]
      ) => number,
      getsid: lib.func('int getsid(int)') as (pid: number) => number,
    };
    return this.calls;
  }

  /**
   * The daemon's directory for its sockets: under XDG_RUNTIME_DIR, or /run for root, or the
   * temporary directory; searchable by all (a service running as another user must reach its
   * socket) but not listable.
   */
  private directory(): string {
    if (this.dir !== undefined) return this.dir;
    const runtime = process.env.XDG_RUNTIME_DIR;
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const candidates = [runtime, isRoot ? '/run' : undefined, nodeOs.tmpdir()];
    let lastError: unknown;
    for (const base of candidates) {
      if (!base) continue;
      try {
        const dir = fs.mkdtempSync(path.join(base, DIR_PREFIX));
        fs.chmodSync(dir, 0o711);
        // Paths are byte strings from here on (src/bytes.ts), as the socket's bind is.
        this.dir = fromText(dir);
        return this.dir;
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`cannot create a directory for it: ${(lastError as Error).message}`);
  }
}

class LinuxNotifySocket implements NotifySocket {
  private closed = false;
  private watch: { cancel(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly onMessage: (m: NotifyDatagram) => void,
    private readonly owner: NotifySockets,
    private readonly watcher: ReadableWatch | undefined,
  ) {
    if (watcher) this.rewatch();
    else {
      this.timer = setInterval(() => this.drain(), FALLBACK_POLL_MS);
      this.timer.unref();
    }
  }

  drain(): void {
    if (this.closed) return;
    // A message may close the socket (its service stopped): read no further then.
    this.owner.readAll(this.fd, (m) => {
      if (this.closed) return false;
      this.onMessage(m);
      return !this.closed;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.cancel();
    this.watch = undefined;
    if (this.timer) clearInterval(this.timer);
    try {
      fs.unlinkSync(toBytes(this.path));
    } catch {
      // Already gone (the directory was removed).
    }
    this.owner.released(this.fd, path.dirname(this.path));
  }

  private rewatch(): void {
    if (this.closed || !this.watcher) return;
    this.watch = this.watcher.watchReadable(this.fd, () => {
      this.watch = undefined;
      this.drain();
      this.rewatch();
    });
  }
}
