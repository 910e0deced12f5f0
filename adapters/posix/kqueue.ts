// Exit watching through kqueue EVFILT_PROC/NOTE_EXIT (FreeBSD, macOS): the knote is attached
// to the process itself, so a recycled pid is never mistaken for it. The kqueue is polled with
// a zero timeout on a timer (libuv cannot watch a kqueue fd), only while something is watched.

import type { ExitStatus } from '../../src/model';
import type { Libc } from './ffi';

/** Byte layout of struct kevent on one platform. */
export interface KeventLayout {
  size: number;
  ident: number;
  filter: number;
  flags: number;
  fflags: number;
  data: number;
}

/** FreeBSD 12+ (amd64/arm64): ident, filter, flags, fflags, int64 data, udata, ext[4]. */
export const FREEBSD_KEVENT: KeventLayout = {
  size: 64,
  ident: 0,
  filter: 8,
  flags: 10,
  fflags: 12,
  data: 16,
};
/** macOS (64-bit): ident, filter, flags, fflags, intptr data, udata. */
export const DARWIN_KEVENT: KeventLayout = {
  size: 32,
  ident: 0,
  filter: 8,
  flags: 10,
  fflags: 12,
  data: 16,
};

export const EVFILT_PROC = -5;
export const EV_ADD = 0x0001;
export const EV_DELETE = 0x0002;
export const EV_ONESHOT = 0x0010;
const EV_ERROR = 0x4000;
export const NOTE_EXIT = 0x80000000;
/** macOS only: put the wait status in data (valid for our children only). */
export const NOTE_EXITSTATUS = 0x04000000;

/** One decoded kevent. */
export interface Kevent {
  ident: number;
  filter: number;
  flags: number;
  fflags: number;
  data: number;
}

/** Encodes kevents into a buffer in the given layout (little-endian platforms). */
export function encodeKevents(layout: KeventLayout, evs: Kevent[]): Buffer {
  const buf = Buffer.alloc(layout.size * evs.length);
  evs.forEach((e, i) => {
    const o = i * layout.size;
    buf.writeBigUInt64LE(BigInt(e.ident), o + layout.ident);
    buf.writeInt16LE(e.filter, o + layout.filter);
    buf.writeUInt16LE(e.flags, o + layout.flags);
    buf.writeUInt32LE(e.fflags >>> 0, o + layout.fflags);
    buf.writeBigInt64LE(BigInt(e.data), o + layout.data);
  });
  return buf;
}

/** Decodes the first n kevents of a buffer. */
export function decodeKevents(layout: KeventLayout, buf: Buffer, n: number): Kevent[] {
  const out: Kevent[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * layout.size;
    out.push({
      ident: Number(buf.readBigUInt64LE(o + layout.ident)),
      filter: buf.readInt16LE(o + layout.filter),
      flags: buf.readUInt16LE(o + layout.flags),
      fflags: buf.readUInt32LE(o + layout.fflags),
      data: Number(buf.readBigInt64LE(o + layout.data)),
    });
  }
  return out;
}

/** Decodes a wait(2) status word (the BSD encoding, shared with Linux). */
export function decodeWaitStatus(st: number): ExitStatus | undefined {
  const sig = st & 0x7f;
  if (sig === 0) return { kind: 'exited', code: (st >> 8) & 0xff };
  if (sig === 0x7f) return undefined; // stopped
  return { kind: 'signalled', signal: sig, coreDumped: (st & 0x80) !== 0 };
}

/** The kqueue calls, so the watcher can be tested with a fake. */
export interface KqueueSys {
  kqueue(): number;
  /** kevent(kq, changes, nchanges, events, nevents, {0, 0}): count, or -1 with errno(). */
  kevent(kq: number, changes: Buffer, nchanges: number, events: Buffer, nevents: number): number;
  close(fd: number): void;
  errno(): number;
}

const ESRCH = 3;
const BATCH = 32;

/** Watches process exits with one kqueue, polled while at least one pid is watched. */
export class KqueueProcWatcher {
  private kq = -1;
  private readonly watchers = new Map<number, (s: ExitStatus | undefined) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sys: KqueueSys,
    private readonly layout: KeventLayout,
    /** NOTE_EXIT plus, on macOS, NOTE_EXITSTATUS. */
    private readonly fflags: number,
    /** Whether data carries the wait status for this pid (always on FreeBSD). */
    private readonly statusKnown: (pid: number) => boolean,
    private readonly pollMs = 100,
  ) {}

  /**
   * Watches pid. Returns false when kqueue is unavailable (the caller polls instead); calls
   * onExit(undefined) at the next poll when the process is already gone (ESRCH).
   */
  watch(pid: number, onExit: (s: ExitStatus | undefined) => void): { cancel(): void } | false {
    if (this.kq < 0) {
      this.kq = this.sys.kqueue();
      if (this.kq < 0) return false;
    }
    const change = encodeKevents(this.layout, [
      { ident: pid, filter: EVFILT_PROC, flags: EV_ADD | EV_ONESHOT, fflags: this.fflags, data: 0 },
    ]);
    const r = this.sys.kevent(this.kq, change, 1, Buffer.alloc(0), 0);
    if (r < 0) {
      if (this.sys.errno() !== ESRCH) return false;
      // Gone before we looked: report it like an exit of unknown status.
      const t = setTimeout(() => onExit(undefined), 0);
      return { cancel: () => clearTimeout(t) };
    }
    this.watchers.set(pid, onExit);
    this.ensurePolling();
    return {
      cancel: () => {
        if (this.watchers.get(pid) !== onExit) return;
        this.watchers.delete(pid);
        const del = encodeKevents(this.layout, [
          { ident: pid, filter: EVFILT_PROC, flags: EV_DELETE, fflags: 0, data: 0 },
        ]);
        this.sys.kevent(this.kq, del, 1, Buffer.alloc(0), 0);
        this.stopIfIdle();
      },
    };
  }

  /** Collects pending exit events and reports them. Called by the timer; public for tests. */
  poll(): void {
    if (this.kq < 0) return;
    const events = Buffer.alloc(this.layout.size * BATCH);
    for (;;) {
      const n = this.sys.kevent(this.kq, Buffer.alloc(0), 0, events, BATCH);
      if (n <= 0) break;
      for (const ev of decodeKevents(this.layout, events, n)) {
        if (ev.filter !== EVFILT_PROC || (ev.flags & EV_ERROR) !== 0) continue;
        if ((ev.fflags & NOTE_EXIT) === 0) continue;
        const cb = this.watchers.get(ev.ident);
        if (!cb) continue;
        this.watchers.delete(ev.ident);
        cb(this.statusKnown(ev.ident) ? decodeWaitStatus(ev.data) : undefined);
      }
      if (n < BATCH) break;
    }
    this.stopIfIdle();
  }

  /** Closes the kqueue and stops polling. */
  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.kq >= 0) this.sys.close(this.kq);
    this.kq = -1;
    this.watchers.clear();
  }

  private ensurePolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.pollMs);
  }

  private stopIfIdle(): void {
    if (this.watchers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** Binds kqueue() and kevent() on a libc handle; kevent never blocks (zero timeout). */
export function bindKqueue(libc: Libc): KqueueSys {
  const kqueue = libc.lib.func('int kqueue()') as () => number;
  const kevent = libc.lib.func('int kevent(int, void *, int, void *, int, void *)') as (
    ...a: unknown[]
  ) => number;
  const zero = Buffer.alloc(16); // struct timespec { 0, 0 }
  return {
    kqueue,
    kevent: (kq, changes, nchanges, events, nevents) =>
      kevent(kq, nchanges ? changes : null, nchanges, nevents ? events : null, nevents, zero),
    close: (fd) => void libc.close(fd),
    errno: () => libc.errno(),
  };
}
