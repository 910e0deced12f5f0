// macOS system calls through koffi: kqueue/kevent. Loaded on macOS alone.

import type { Libc } from '../posix/ffi';
import type { KqueueSys } from '../posix/kqueue';

/** Binds kqueue/kevent on the libSystem handle. */
export function bindDarwinSys(libc: Libc): KqueueSys {
  const kqueue = libc.lib.func('int kqueue()') as () => number;
  const kevent = libc.lib.func('int kevent(int, void *, int, void *, int, void *)') as (
    ...a: unknown[]
  ) => number;
  const zero = Buffer.alloc(16); // struct timespec { 0, 0 }
  return {
    kqueue,
    kevent: (kq, changes, nchanges, events, nevents) =>
      kevent(kq, nchanges ? changes : null, nchanges, nevents ? events : null, nevents, zero),
    close: (fd) => void libc.close(fd),
    errno: () => libc.errno(),
  };
}
