// Picks the OS adapter for this platform: the only place in the tree that reads
// process.platform. Everything else asks os.caps what the kernel can do.

import type { Os } from '../src/core/os';
import type { ExitStatus } from '../src/model';

export interface CreateOsOptions {
  log(level: 'debug' | 'info' | 'notice' | 'warn' | 'error', msg: string): void;
  /** Exit statuses of adopted processes that the native init reaped (Linux). */
  exitReports?: (pid: number, cb: (status: ExitStatus | undefined) => void) => void;
  /** --cgroup-path: where relative run-in-cgroup paths start (Linux; no cgroups elsewhere). */
  cgroupPath?: string;
}

/**
 * Returns the Os port for the running platform (Linux, FreeBSD, macOS). Adapter modules are
 * required lazily so that only the one in use is loaded. Throws an Error with code
 * 'EPLATFORM' on other platforms.
 */
export function createOs(opts: CreateOsOptions): Os {
  const log = (level: 'debug' | 'info' | 'notice' | 'warn' | 'error', msg: string) =>
    opts.log(level, msg);
  switch (process.platform) {
    case 'linux': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LinuxOs } = require('./linux/linux-os') as typeof import('./linux/linux-os');
      return new LinuxOs({ log, exitReports: opts.exitReports, cgroupPath: opts.cgroupPath });
    }
    case 'freebsd': {
      type FreeBsdModule = typeof import('./freebsd/freebsd-os');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { FreeBsdOs } = require('./freebsd/freebsd-os') as FreeBsdModule;
      return new FreeBsdOs({ log });
    }
    case 'darwin': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DarwinOs } = require('./darwin/darwin-os') as typeof import('./darwin/darwin-os');
      return new DarwinOs({ log });
    }
    default: {
      const err = new Error(`platform ${process.platform} is not supported`) as Error & {
        code: string;
      };
      err.code = 'EPLATFORM';
      throw err;
    }
  }
}

/**
 * Replace this process (PID 1) with the native init, which runs `args` again as the manager.
 * Returns only on failure, with the reason; on platforms without the init, says so.
 */
export function becomeInit(args: readonly string[], keepFds: readonly number[]): string {
  if (process.platform !== 'linux')
    return `running as PID 1 is not supported yet on ${process.platform}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execInit } = require('./linux/pid1') as typeof import('./linux/pid1');
  return execInit(args, keepFds);
}

/** As PID 1, replace this process with the init doing only the final steps of a shutdown. */
export function becomeFinalInit(type: string): string {
  if (process.platform !== 'linux') return `not supported yet on ${process.platform}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFinalInit } = require('./linux/pid1') as typeof import('./linux/pid1');
  return execFinalInit(type);
}

/**
 * Replace this manager with a new one in place (daemon-reexec), keeping keepFds open under the
 * same numbers. Returns only on failure, with the reason.
 */
export function reexecManager(
  args: readonly string[],
  env: readonly string[],
  keepFds: readonly number[],
): string {
  if (process.platform !== 'linux') return `not supported yet on ${process.platform}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execManager } = require('./linux/pid1') as typeof import('./linux/pid1');
  return execManager(args, env, keepFds);
}

/**
 * A function that gives the C heap's free pages back to the kernel (after a collection freed
 * the buffers a burst of work held); undefined where the C library cannot (glibc has
 * malloc_trim; musl, the BSDs and macOS do not) or without the FFI layer.
 */
export function memoryReleaser(): (() => void) | undefined {
  if (process.platform !== 'linux') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadLibc, bindMallocTrim } = require('./posix/ffi') as typeof import('./posix/ffi');
  const libc = loadLibc(['libc.so.6', '']);
  return libc && bindMallocTrim(libc);
}

/**
 * Connects a non-blocking datagram socket to the log daemon's unix socket at `path` (/dev/log
 * for syslog). Returns the fd, or -errno: ENOENT or ECONNREFUSED while no log daemon listens,
 * ENOSYS when the FFI layer (koffi) is missing.
 */
export function connectLogSocket(path: string): number {
  const linux = process.platform === 'linux';
  const libNames: Record<string, string[]> = {
    linux: ['libc.so.6', ''],
    freebsd: ['libc.so.7', ''],
    darwin: ['/usr/lib/libSystem.B.dylib', ''],
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadLibc } = require('./posix/ffi') as typeof import('./posix/ffi');
  const libc = loadLibc(libNames[process.platform] ?? ['']);
  if (libc === undefined) return -38; // ENOSYS (Linux's number; only the sign matters here)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ls = require('./posix/log-socket') as typeof import('./posix/log-socket');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { endianness } = require('node:os') as typeof import('node:os');
  return ls.connectLogSocket(libc, path, {
    sockaddr: linux ? 'linux' : 'bsd',
    oNonblock: linux ? 0x800 : 4,
    bigEndian: endianness() === 'BE',
  });
}
