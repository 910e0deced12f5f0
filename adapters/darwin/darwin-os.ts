// The macOS adapter: the POSIX base plus kqueue EVFILT_PROC for pids we did not start.
// macOS has no subreaper, so a bgprocess daemon's exit status is unknown (reported undefined).
// Not runnable on the development machine: its logic is unit-tested against a fake sys layer.

import {
  DARWIN_KEVENT,
  KqueueProcWatcher,
  NOTE_EXIT,
  bindKqueue,
  type KqueueSys,
} from '../posix/kqueue';
import { KqueueOs, loadKqueueSys, type KqueueOsOptions } from '../posix/kqueue-os';
import type { WaitConstants } from '../posix/posix-os';

/** macOS's waitid() constants. */
const DARWIN_WAIT: WaitConstants = {
  P_ALL: 0,
  P_PID: 1,
  WNOHANG: 1,
  WEXITED: 4,
  WNOWAIT: 0x20,
};

export type DarwinOsOptions = KqueueOsOptions<KqueueSys>;

/** The Os port on macOS. */
export class DarwinOs extends KqueueOs {
  constructor(opts: DarwinOsOptions) {
    const { libc, sys } = loadKqueueSys(opts, {
      libNames: ['/usr/lib/libSystem.B.dylib', 'libSystem.B.dylib', ''],
      bind: bindKqueue,
      offWithoutFfi: 'kqueue and log pipes',
      bindings: 'kqueue',
    });
    // Without NOTE_EXITSTATUS (children only) data holds no status: pids watched here are
    // never our children, so their status is unknown.
    const kq = sys ? new KqueueProcWatcher(sys, DARWIN_KEVENT, NOTE_EXIT, () => false) : undefined;
    super(opts.log, libc, DARWIN_WAIT, kq);
  }
}
