// errno numbers to the C library's messages (glibc wording), for the "Error: ..." lines that
// report why a service process could not be launched.

import { constants } from 'node:os';

const MESSAGES: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor',
  ECHILD: 'No child processes',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOTTY: 'Inappropriate ioctl for device',
  ETXTBSY: 'Text file busy',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system',
  EMLINK: 'Too many links',
  EPIPE: 'Broken pipe',
  ERANGE: 'Numerical result out of range',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ELOOP: 'Too many levels of symbolic links',
  ENOTSOCK: 'Socket operation on non-socket',
  EADDRINUSE: 'Address already in use',
  ECONNRESET: 'Connection reset by peer',
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
};

let byNumber: Map<number, string> | undefined;

/** The message for errno `n` ("Unknown error N" when not known). Never throws. */
export function strerror(n: number): string {
  if (byNumber === undefined) {
    byNumber = new Map();
    const table = constants.errno as Record<string, number>;
    for (const [name, msg] of Object.entries(MESSAGES)) {
      const num = table[name];
      if (num !== undefined) byNumber.set(num, msg);
    }
  }
  if (n === 0) return 'Success';
  return byNumber.get(n) ?? `Unknown error ${n}`;
}

/** The message for a Node system error code such as 'ENOENT' (the code itself when unknown). */
export function strerrorCode(code: string): string {
  return MESSAGES[code] ?? code;
}
