// The C library's strerror() texts (glibc wording) by errno name, so that every program words
// an OS error the way upstream's does. A leaf: it imports nothing; a caller with an errno number
// passes the platform's name-to-number table (node:os constants.errno).

const MESSAGES: Readonly<Record<string, string>> = {
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
  EILSEQ: 'Invalid or incomplete multibyte or wide character',
};

/**
 * The message for an errno name such as 'ENOENT' (as Node reports it in `error.code`): the
 * name itself when the table lacks it, "Unknown error" when there is no name. Never throws.
 */
export function strerrorCode(code: string | undefined): string {
  if (code === undefined) return 'Unknown error';
  return MESSAGES[code] ?? code;
}

/** The message for a caught Node system error (its `code`), as strerrorCode words it. */
export function errnoText(e: unknown): string {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return strerrorCode(typeof code === 'string' ? code : undefined);
}

/**
 * The message for errno number `n` on the platform whose numbers `errnoNumbers` gives ("Success"
 * for 0, "Unknown error N" when not in the table). Never throws.
 */
export function strerror(n: number, errnoNumbers: Readonly<Record<string, number>>): string {
  if (n === 0) return 'Success';
  for (const name of Object.keys(MESSAGES)) {
    if (errnoNumbers[name] === n) return MESSAGES[name];
  }
  return `Unknown error ${n}`;
}
