// The macOS adapter: the POSIX base plus kqueue EVFILT_PROC for pids we did not start.
// macOS has no subreaper, so a bgprocess daemon's exit status is unknown (reported undefined).
// Not runnable on the development machine: its logic is unit-tested against a fake sys layer.

import * as path from 'node:path';
import type { KqueueSys } from '../posix/kqueue';
import { libcLoadError, loadLibc, type Libc } from '../posix/ffi';
import { DARWIN_KEVENT, KqueueProcWatcher, NOTE_EXIT } from '../posix/kqueue';
import { PosixOs, findExecHelper, type LogFn, type WaitConstants } from '../posix/posix-os';
import { bindDarwinSys } from './sys';
import type { ExitStatus } from '../../src/model';

/** macOS's waitid() constants. */
const DARWIN_WAIT: WaitConstants = {
  P_ALL: 0,
  P_PID: 1,
  WNOHANG: 1,
  WEXITED: 4,
  WNOWAIT: 0x20,
};

export interface DarwinOsOptions {
  log: LogFn;
  /** Injected for tests; null means "no libc". */
  libc?: Libc | null;
  /** Injected for tests. */
  sys?: KqueueSys;
}

/** The Os port on macOS. */
export class DarwinOs extends PosixOs {
  private readonly kq: KqueueProcWatcher | undefined;

  constructor(opts: DarwinOsOptions) {
    const libc =
      opts.libc === null
        ? undefined
        : (opts.libc ?? loadLibc(['/usr/lib/libSystem.B.dylib', 'libSystem.B.dylib', '']));
    if (!libc && opts.libc !== null) {
      opts.log('warn', `FFI (koffi) unavailable, kqueue and log pipes are off: ${libcLoadError()}`);
    }
    let sys = opts.sys;
    if (!sys && libc) {
      try {
        sys = bindDarwinSys(libc);
      } catch (e) {
        opts.log('warn', `kqueue bindings unavailable: ${(e as Error).message}`);
      }
    }
    super({
      log: opts.log,
      libc,
      helperPath: findExecHelper(path.resolve(__dirname)),
      sockaddr: 'bsd',
      siginfo: { code: 8, pid: 12, status: 20 },
      wait: DARWIN_WAIT,
      oNonblock: 4,
    });
    // Without NOTE_EXITSTATUS (children only) data holds no status: pids watched here are
    // never our children, so their status is unknown.
    this.kq = sys ? new KqueueProcWatcher(sys, DARWIN_KEVENT, NOTE_EXIT, () => false) : undefined;
  }

  protected override watchForeign(
    pid: number,
    onExit: (s: ExitStatus | undefined) => void,
  ): { cancel(): void } | undefined {
    return this.kq?.watch(pid, onExit) || undefined;
  }

  override dispose(): void {
    this.kq?.dispose();
    super.dispose();
  }
}
