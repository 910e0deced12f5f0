// Opening a service's log file as log-type = file does, shared by the launch path (the daemon
// opens the file for the helper) and the rotating log (which reopens it after each rotation).

import * as fs from 'node:fs';
import type { LogFileSpec } from '../../src/core/os';
import { toBytes } from '../../src/bytes';

/**
 * Opens spec.path for appending, created with spec.permissions, never through a symlink.
 * Returns the fd, or the positive errno of the failure.
 */
export function openForAppend(spec: LogFileSpec): number | { errno: number } {
  const c = fs.constants;
  try {
    // O_NONBLOCK so that a FIFO planted at the path cannot block the daemon.
    return fs.openSync(
      toBytes(spec.path),
      c.O_WRONLY | c.O_CREAT | c.O_APPEND | c.O_NOFOLLOW | c.O_NONBLOCK,
      spec.permissions & 0o7777,
    );
  } catch (e) {
    const n = (e as NodeJS.ErrnoException).errno;
    return { errno: typeof n === 'number' ? Math.abs(n) : 0 };
  }
}

/** Applies spec's owner (when set) and permissions to an open log file; throws on failure. */
export function applyOwnership(fd: number, spec: LogFileSpec): void {
  if (spec.uid !== undefined || spec.gid !== undefined) {
    fs.fchownSync(fd, spec.uid ?? -1, spec.gid ?? -1);
  }
  fs.fchmodSync(fd, spec.permissions & 0o7777);
}
