// The macOS adapter: the POSIX base plus kqueue EVFILT_PROC for pids we did not start.
// macOS has no subreaper, so a bgprocess daemon's exit status is unknown (reported undefined).
// Not runnable on the development machine: its logic is unit-tested against a fake sys layer.

import { DARWIN_KEVENT, bindKqueue, type KqueueSys } from '../posix/kqueue';
import { KqueueOs, type KqueueOsOptions, type KqueuePlatform } from '../posix/kqueue-os';

const DARWIN: KqueuePlatform<KqueueSys> = {
  libNames: ['/usr/lib/libSystem.B.dylib', 'libSystem.B.dylib', ''],
  bind: bindKqueue,
  offWithoutFfi: 'kqueue and log pipes',
  bindings: 'kqueue',
  wait: { P_ALL: 0, P_PID: 1, WNOHANG: 1, WEXITED: 4, WNOWAIT: 0x20 },
  kevent: DARWIN_KEVENT,
  // Without NOTE_EXITSTATUS (children only) data holds no status: pids watched here are
  // never our children, so their status is unknown.
  foreignStatusKnown: false,
};

export type DarwinOsOptions = KqueueOsOptions<KqueueSys>;

/** The Os port on macOS. */
export class DarwinOs extends KqueueOs<KqueueSys> {
  constructor(opts: DarwinOsOptions) {
    super(opts, DARWIN);
  }
}
