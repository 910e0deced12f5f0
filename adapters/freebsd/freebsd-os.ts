// The FreeBSD adapter: the POSIX base plus procctl(PROC_REAP_ACQUIRE) with orphan reaping,
// kqueue EVFILT_PROC for pids we did not start, and jail_attach through the exec helper.
// Not runnable on the development machine: its logic is unit-tested against a fake sys layer.

import * as path from 'node:path';
import { libcLoadError, loadLibc, type Libc } from '../posix/ffi';
import { FREEBSD_KEVENT, KqueueProcWatcher, NOTE_EXIT } from '../posix/kqueue';
import { PosixOs, findExecHelper, type LogFn, type WaitConstants } from '../posix/posix-os';
import { bindFreeBsdSys, type FreeBsdSys } from './sys';
import type { ExitStatus } from '../../src/model';

/** FreeBSD's waitid() constants. */
const FREEBSD_WAIT: WaitConstants = {
  P_ALL: 7,
  P_PID: 0,
  WNOHANG: 1,
  WEXITED: 16,
  WNOWAIT: 8,
};

export interface FreeBsdOsOptions {
  log: LogFn;
  /** Injected for tests; null means "no libc". */
  libc?: Libc | null;
  /** Injected for tests. */
  sys?: FreeBsdSys;
}

/** The Os port on FreeBSD. */
export class FreeBsdOs extends PosixOs {
  private readonly kq: KqueueProcWatcher | undefined;

  constructor(opts: FreeBsdOsOptions) {
    const libc = opts.libc === null ? undefined : (opts.libc ?? loadLibc(['libc.so.7', '']));
    if (!libc && opts.libc !== null) {
      opts.log(
        'warn',
        `FFI (koffi) unavailable, subreaping, kqueue and log pipes are off: ${libcLoadError()}`,
      );
    }
    let sys = opts.sys;
    if (!sys && libc) {
      try {
        sys = bindFreeBsdSys(libc);
      } catch (e) {
        opts.log('warn', `kqueue/procctl bindings unavailable: ${(e as Error).message}`);
      }
    }
    const subreaper = sys !== undefined && sys.acquireReaper() === 0;
    super(
      {
        log: opts.log,
        libc,
        helperPath: findExecHelper(path.resolve(__dirname)),
        sockaddr: 'bsd',
        siginfo: { code: 8, pid: 12, status: 20 },
        wait: FREEBSD_WAIT,
        oNonblock: 4,
      },
      { subreaper },
    );
    // NOTE_EXIT reports the exit status of any process on FreeBSD.
    this.kq = sys ? new KqueueProcWatcher(sys, FREEBSD_KEVENT, NOTE_EXIT, () => true) : undefined;
    if (subreaper || process.pid === 1) this.enableReaper();
  }

  protected override watchForeign(
    pid: number,
    onExit: (s: ExitStatus | undefined) => void,
  ): { cancel(): void } | undefined {
    return this.kq?.watch(pid, onExit) || undefined;
  }

  protected override jailSupported(): boolean {
    return this.caps.execHelper;
  }

  override dispose(): void {
    this.kq?.dispose();
    super.dispose();
  }
}
