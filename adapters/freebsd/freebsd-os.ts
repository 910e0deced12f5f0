// The FreeBSD adapter: the POSIX base plus procctl(PROC_REAP_ACQUIRE) with orphan reaping,
// kqueue EVFILT_PROC for pids we did not start, and jail_attach through the exec helper.
// Not runnable on the development machine: its logic is unit-tested against a fake sys layer.

import { FREEBSD_KEVENT, KqueueProcWatcher, NOTE_EXIT } from '../posix/kqueue';
import { KqueueOs, loadKqueueSys, type KqueueOsOptions } from '../posix/kqueue-os';
import type { WaitConstants } from '../posix/posix-os';
import { bindFreeBsdSys, type FreeBsdSys } from './sys';

/** FreeBSD's waitid() constants. */
const FREEBSD_WAIT: WaitConstants = {
  P_ALL: 7,
  P_PID: 0,
  WNOHANG: 1,
  WEXITED: 16,
  WNOWAIT: 8,
};

export type FreeBsdOsOptions = KqueueOsOptions<FreeBsdSys>;

/** The Os port on FreeBSD. */
export class FreeBsdOs extends KqueueOs {
  constructor(opts: FreeBsdOsOptions) {
    const { libc, sys } = loadKqueueSys(opts, {
      libNames: ['libc.so.7', ''],
      bind: bindFreeBsdSys,
      offWithoutFfi: 'subreaping, kqueue and log pipes',
      bindings: 'kqueue/procctl',
    });
    const subreaper = sys !== undefined && sys.acquireReaper() === 0;
    // NOTE_EXIT reports the exit status of any process on FreeBSD.
    const kq = sys ? new KqueueProcWatcher(sys, FREEBSD_KEVENT, NOTE_EXIT, () => true) : undefined;
    super(opts.log, libc, FREEBSD_WAIT, kq, { subreaper });
    if (subreaper || process.pid === 1) this.enableReaper();
  }

  protected override jailSupported(): boolean {
    return this.caps.execHelper;
  }
}
