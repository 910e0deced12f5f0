// The Linux-only system calls, through koffi: pidfd_open, pidfd_send_signal and prctl.
// Kept in one module so the rest of the Linux adapter reads as plain TypeScript.

import type { Libc } from '../posix/ffi';

/** pidfd and prctl calls; each returns -1 and leaves errno on failure. */
export interface LinuxSys {
  pidfdOpen(pid: number): number;
  /** pidfd_send_signal(pidfd, sig, NULL, flags). */
  pidfdSendSignal(pidfd: number, sig: number, flags: number): number;
  prctl(option: number, arg2: number): number;
}

/** Syscall numbers of pidfd_open and pidfd_send_signal: the same on every Linux architecture. */
const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;

/** Binds the Linux calls on top of the libc handle. */
export function bindLinuxSys(libc: Libc): LinuxSys {
  // syscall() is variadic; koffi passes the extra arguments with the types given per call.
  const syscall = libc.lib.func('long syscall(long, ...)') as (...a: unknown[]) => number;
  const prctl = libc.lib.func(
    'int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)',
  ) as (...a: number[]) => number;
  return {
    pidfdOpen: (pid) => Number(syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0)),
    pidfdSendSignal: (fd, sig, flags) =>
      Number(
        syscall(
          SYS_PIDFD_SEND_SIGNAL,
          'int',
          fd,
          'int',
          sig,
          'void *',
          null,
          'unsigned int',
          flags,
        ),
      ),
    prctl: (option, arg2) => prctl(option, arg2, 0, 0, 0),
  };
}
