// Reaps adopted orphans (the daemon is a subreaper, or pid 1) without stealing the children
// that libuv reaps itself. The approach: peek at any waitable child with
// waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT); if it is not libuv's, reap exactly that pid with
// waitid(P_PID); if it is libuv's, it blocks the peek until libuv reaps it, so look for other
// exited children through the children list (when the platform has one) and try again shortly.

import type { ExitStatus } from '../../src/model';

/** The system calls the reaper needs, so tests can drive it with a fake. */
export interface ReapSys {
  /** Some exited child, not reaped (WNOWAIT), or undefined when none has exited. */
  peek(): { pid: number } | undefined;
  /** Reaps pid if it has exited; undefined if it is still running or not our child. */
  reap(pid: number): ExitStatus | undefined;
  /** Our direct children, when the platform can list them (Linux /proc/.../children). */
  listChildren?(): number[];
}

export interface ReaperOptions {
  sys: ReapSys;
  isLibuvChild(pid: number): boolean;
  log(level: 'debug' | 'warn', msg: string): void;
  /** Schedules a retry; returns a cancel function. */
  later(ms: number, fn: () => void): () => void;
  /** Monotonic milliseconds, to forget old reaps. */
  now(): number;
}

/** How many recently reaped pids are remembered for a late watchPid (bgprocess race). */
const RECENT_LIMIT = 256;
/** How long a reaped pid's status is kept for a late watcher, before the pid may be reused. */
const RECENT_MS = 10000;
const RETRY_MS = 20;
const MAX_PER_PASS = 10000;

/** Reaps orphans and routes exit statuses of watched pids. */
export class OrphanReaper {
  private readonly watchers = new Map<number, (s: ExitStatus) => void>();
  private readonly recent = new Map<number, { status: ExitStatus; at: number }>();
  private cancelRetry: (() => void) | undefined;

  constructor(private readonly opts: ReaperOptions) {}

  /**
   * Calls onExit with the exit status when pid (an adopted child) is reaped. If it was reaped
   * moments ago (before anyone watched it), reports that status right away.
   */
  watch(pid: number, onExit: (s: ExitStatus) => void): { cancel(): void } {
    const seen = this.takeRecent(pid);
    if (seen) {
      onExit(seen);
      return { cancel() {} };
    }
    this.watchers.set(pid, onExit);
    return {
      cancel: () => {
        if (this.watchers.get(pid) === onExit) this.watchers.delete(pid);
      },
    };
  }

  /** True if pid was reaped recently and not yet claimed by a watcher. */
  recentlyReaped(pid: number): boolean {
    const r = this.recent.get(pid);
    if (r && this.opts.now() - r.at > RECENT_MS) this.recent.delete(pid);
    return this.recent.has(pid);
  }

  private takeRecent(pid: number): ExitStatus | undefined {
    if (!this.recentlyReaped(pid)) return undefined;
    const r = this.recent.get(pid);
    this.recent.delete(pid);
    return r?.status;
  }

  /** Reaps every exited child that libuv does not own. Call on SIGCHLD (and from a slow timer). */
  reapAll(): void {
    let blocked = false;
    for (let n = 0; n < MAX_PER_PASS; n++) {
      const p = this.opts.sys.peek();
      if (!p) break;
      if (this.opts.isLibuvChild(p.pid)) {
        blocked = true;
        break;
      }
      this.reapOne(p.pid);
    }
    if (!blocked) return;
    // A libuv child is first in line; reap the others we can see, then retry after libuv ran.
    const list = this.opts.sys.listChildren?.() ?? [];
    for (const pid of list) {
      if (!this.opts.isLibuvChild(pid)) this.reapOne(pid);
    }
    if (!this.cancelRetry) {
      this.cancelRetry = this.opts.later(RETRY_MS, () => {
        this.cancelRetry = undefined;
        this.reapAll();
      });
    }
  }

  /** Stops any pending retry. */
  dispose(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  private reapOne(pid: number): void {
    const status = this.opts.sys.reap(pid);
    if (!status) return;
    const w = this.watchers.get(pid);
    if (w) {
      this.watchers.delete(pid);
      w(status);
      return;
    }
    this.opts.log('debug', `reaped orphan process ${pid}`);
    this.recent.delete(pid);
    this.recent.set(pid, { status, at: this.opts.now() });
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}

/** siginfo_t si_code values for child exits. */
const CLD_EXITED = 1;
const CLD_KILLED = 2;
const CLD_DUMPED = 3;

/** Decodes si_code/si_status into an ExitStatus (undefined for stop/continue codes). */
export function exitStatusFromSiginfo(code: number, status: number): ExitStatus | undefined {
  switch (code) {
    case CLD_EXITED:
      return { kind: 'exited', code: status };
    case CLD_KILLED:
      return { kind: 'signalled', signal: status, coreDumped: false };
    case CLD_DUMPED:
      return { kind: 'signalled', signal: status, coreDumped: true };
    default:
      return undefined;
  }
}
