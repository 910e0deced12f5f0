// FreeBSD system calls through koffi: kqueue/kevent and procctl(PROC_REAP_ACQUIRE).
// This module only binds symbols; it is loaded on FreeBSD alone.

import type { Libc } from '../posix/ffi';
import type { KqueueSys } from '../posix/kqueue';

export interface FreeBsdSys extends KqueueSys {
  /** procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL): 0 or -1. */
  acquireReaper(): number;
}

const P_PID = 0;
const PROC_REAP_ACQUIRE = 2;

/** Binds the FreeBSD calls on the libc handle. */
export function bindFreeBsdSys(libc: Libc): FreeBsdSys {
  const kqueue = libc.lib.func('int kqueue()') as () => number;
  const kevent = libc.lib.func('int kevent(int, void *, int, void *, int, void *)') as (
    ...a: unknown[]
  ) => number;
  const procctl = libc.lib.func('int procctl(int, int64_t, int, void *)') as (
    ...a: unknown[]
  ) => number;
  const zero = Buffer.alloc(16); // struct timespec { 0, 0 }: never block
  return {
    kqueue,
    kevent: (kq, changes, nchanges, events, nevents) =>
      kevent(kq, nchanges ? changes : null, nchanges, nevents ? events : null, nevents, zero),
    close: (fd) => void libc.close(fd),
    errno: () => libc.errno(),
    acquireReaper: () => procctl(P_PID, process.pid, PROC_REAP_ACQUIRE, null),
  };
}
