// Event-driven exit watch for processes that are not our children: a pidfd becomes readable
// when its process exits. One poll(2) over every watched pidfd (plus a wake-up pipe) runs as a
// koffi async call on a libuv pool thread; its completion comes back on the event loop.

import * as fs from 'node:fs';
import * as os from 'node:os';
import type { KoffiFn, Libc } from '../posix/ffi';

const POLLIN = 0x1;
const POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0x800;
const LE = os.endianness() === 'LE';

type AsyncPoll = KoffiFn & {
  async(buf: Buffer, n: number, timeout: number, cb: (err: unknown, res: number) => void): void;
};

/**
 * Watches pidfds for readability. While at least one is watched, one pool thread is blocked in
 * poll(); adding or removing a pidfd wakes it through a pipe so it polls the new set.
 */
export class PidfdWatcher {
  private readonly poll: AsyncPoll;
  private readonly entries = new Map<number, () => void>();
  /** Watched fds that are not pidfds: readable means data to read (see watchReadable). */
  private readonly plain = new Set<number>();
  private readonly wakeR: number;
  private readonly wakeW: number;
  private inFlight = false;
  private disposed = false;

  /**
   * Binds poll() and creates the wake-up pipe. Throws when koffi cannot bind poll or has no
   * async calls (the caller then polls liveness on a timer instead).
   */
  constructor(
    private readonly libc: Libc,
    /** Whether the process behind a pidfd is still alive (to discard stale readiness). */
    private readonly alive: (pidfd: number) => boolean,
  ) {
    const poll = libc.lib.func('int poll(void *fds, unsigned long nfds, int timeout)') as AsyncPoll;
    if (typeof poll.async !== 'function') throw new Error('koffi has no async calls');
    this.poll = poll;
    [this.wakeR, this.wakeW] = libc.pipeCloexec();
    for (const fd of [this.wakeR, this.wakeW]) {
      libc.fcntl(fd, F_SETFL, libc.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    }
  }

  /** Calls onExit once when the process behind pidfd has exited; cancel() stops watching. */
  watch(pidfd: number, onExit: () => void): { cancel(): void } {
    return this.add(pidfd, false, onExit);
  }

  /**
   * Calls onReadable once when fd (a socket, not a pidfd) has data to read; cancel() stops
   * watching. The same poll thread serves both kinds.
   */
  watchReadable(fd: number, onReadable: () => void): { cancel(): void } {
    return this.add(fd, true, onReadable);
  }

  /** Number of pidfds watched (tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Stops the poll thread and closes the pipe once it has returned. */
  dispose(): void {
    this.disposed = true;
    this.entries.clear();
    this.plain.clear();
    if (this.inFlight) this.wake();
    else this.closePipe();
  }

  /**
   * Watches fd for one event: a plain fd's readability, or a pidfd's exit (which the poll loop
   * checks against the process's liveness). The entry leaves the set before it is called.
   */
  private add(fd: number, plain: boolean, onEvent: () => void): { cancel(): void } {
    const entry = () => {
      this.entries.delete(fd);
      this.plain.delete(fd);
      onEvent();
    };
    this.entries.set(fd, entry);
    if (plain) this.plain.add(fd);
    else this.plain.delete(fd);
    this.kick();
    return {
      cancel: () => {
        if (this.entries.get(fd) === entry) {
          this.entries.delete(fd);
          this.plain.delete(fd);
          this.kick();
        }
      },
    };
  }

  /** Starts a poll over the current set, or wakes the running one so that it restarts. */
  private kick(): void {
    if (this.disposed) return;
    if (this.inFlight) {
      this.wake();
      return;
    }
    if (this.entries.size === 0) return;
    const fds = [this.wakeR, ...this.entries.keys()];
    const buf = Buffer.alloc(fds.length * POLLFD_SIZE);
    fds.forEach((fd, i) => {
      const o = i * POLLFD_SIZE;
      if (LE) {
        buf.writeInt32LE(fd, o);
        buf.writeInt16LE(POLLIN, o + 4);
      } else {
        buf.writeInt32BE(fd, o);
        buf.writeInt16BE(POLLIN, o + 4);
      }
    });
    this.inFlight = true;
    this.poll.async(buf, fds.length, -1, (err) => {
      this.inFlight = false;
      this.drainWake();
      if (this.disposed) {
        this.closePipe();
        return;
      }
      if (!err) {
        for (let i = 1; i < fds.length; i++) {
          const o = i * POLLFD_SIZE + 6;
          const revents = LE ? buf.readInt16LE(o) : buf.readInt16BE(o);
          if (revents === 0) continue;
          const entry = this.entries.get(fds[i]);
          // A pidfd closed and its number reused while poll ran could report the old file:
          // only an exit the kernel confirms counts.
          if (entry && (this.plain.has(fds[i]) || !this.alive(fds[i]))) entry();
        }
      }
      this.kick();
    });
  }

  private wake(): void {
    try {
      fs.writeSync(this.wakeW, Buffer.from([1]));
    } catch {
      // Pipe full: a wake-up is already pending.
    }
  }

  private drainWake(): void {
    const b = Buffer.alloc(64);
    try {
      while (fs.readSync(this.wakeR, b, 0, b.length, null) > 0) {
        // Keep reading until EAGAIN.
      }
    } catch {
      // EAGAIN: empty.
    }
  }

  private closePipe(): void {
    this.libc.close(this.wakeR);
    this.libc.close(this.wakeW);
  }
}
