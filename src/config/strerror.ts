// C library strerror() texts for the errno codes file access can produce, so messages read
// exactly like upstream's ("No such file or directory").

const TEXTS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
  ENOMEM: 'Cannot allocate memory',
  EINVAL: 'Invalid argument',
  EBADF: 'Bad file descriptor',
  ENXIO: 'No such device or address',
  ENODEV: 'No such device',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EEXIST: 'File exists',
  EAGAIN: 'Resource temporarily unavailable',
};

/** The strerror() text for a Node error code such as 'ENOENT' (the code itself if unknown). */
export function strerror(code: string | undefined): string {
  if (code === undefined) return 'Unknown error';
  return TEXTS[code] ?? code;
}

/** strerror() for a caught Node fs error. */
export function errnoText(e: unknown): string {
  return strerror((e as NodeJS.ErrnoException | undefined)?.code);
}
