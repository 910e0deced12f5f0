// The FreeBSD adapter: the POSIX base plus procctl(PROC_REAP_ACQUIRE) with orphan reaping,
// kqueue EVFILT_PROC for pids we did not start, and jail_attach through the exec helper.
// Not runnable on the development machine: its logic is unit-tested against a fake sys layer.

import { FREEBSD_KEVENT } from '../posix/kqueue';
import { KqueueOs, type KqueueOsOptions, type KqueuePlatform } from '../posix/kqueue-os';
import { bindFreeBsdSys, type FreeBsdSys } from './sys';

const FREEBSD: KqueuePlatform<FreeBsdSys> = {
  libNames: ['libc.so.7', ''],
  bind: bindFreeBsdSys,
  offWithoutFfi: 'subreaping, kqueue and log pipes',
  bindings: 'kqueue/procctl',
  wait: { P_ALL: 7, P_PID: 0, WNOHANG: 1, WEXITED: 16, WNOWAIT: 8 },
  kevent: FREEBSD_KEVENT,
  // NOTE_EXIT reports the exit status of any process on FreeBSD.
  foreignStatusKnown: true,
  caps: (sys) => ({ subreaper: sys?.acquireReaper() === 0 }),
};

export type FreeBsdOsOptions = KqueueOsOptions<FreeBsdSys>;

/** The Os port on FreeBSD. */
export class FreeBsdOs extends KqueueOs<FreeBsdSys> {
  constructor(opts: FreeBsdOsOptions) {
    super(opts, FREEBSD);
    if (this.caps.subreaper || process.pid === 1) this.enableReaper();
  }

  protected override jailSupported(): boolean {
    return this.caps.execHelper;
  }
}
