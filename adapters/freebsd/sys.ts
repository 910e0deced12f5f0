// FreeBSD system calls through koffi: kqueue/kevent and procctl(PROC_REAP_ACQUIRE).
// This module only binds symbols; it is loaded on FreeBSD alone.

import type { Libc } from '../posix/ffi';
import { bindKqueue, type KqueueSys } from '../posix/kqueue';

export interface FreeBsdSys extends KqueueSys {
  /** procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL): 0 or -1. */
  acquireReaper(): number;
}

const P_PID = 0;
const PROC_REAP_ACQUIRE = 2;

/** Binds the FreeBSD calls on the libc handle. */
export function bindFreeBsdSys(libc: Libc): FreeBsdSys {
  const procctl = libc.lib.func('int procctl(int, int64_t, int, void *)') as (
    ...a: unknown[]
  ) => number;
  return {
    ...bindKqueue(libc),
    acquireReaper: () => procctl(P_PID, process.pid, PROC_REAP_ACQUIRE, null),
  };
}
