// Picks the OS adapter for this platform: the only place in the tree that reads
// process.platform. Everything else asks os.caps what the kernel can do.

import type { Os } from '../src/core/os';
import type { ExitStatus } from '../src/model';
import type { Libc } from './posix/ffi';

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

/** The C library's names by platform ('' = the process's own symbols). */
const LIBC_NAMES: Record<string, string[]> = {
  linux: ['libc.so.6', ''],
  freebsd: ['libc.so.7', ''],
  darwin: ['/usr/lib/libSystem.B.dylib', ''],
};

/**
 * A function that gives the C heap's free pages back to the kernel (after a collection freed
 * the buffers a burst of work held); undefined where the C library cannot (glibc has
 * malloc_trim; musl, the BSDs and macOS do not) or without the FFI layer.
 */
export function memoryReleaser(): (() => void) | undefined {
  if (process.platform !== 'linux') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadLibc, bindMallocTrim } = require('./posix/ffi') as typeof import('./posix/ffi');
  const libc = loadLibc(LIBC_NAMES.linux);
  return libc && bindMallocTrim(libc);
}

/** Node's and V8's options whose output is written at exit (or that attach a debugger). */
const WRITES_AT_EXIT = /^--(cpu-prof|heap-prof|prof|trace|inspect|debug)/;

/**
 * Ends the process with `status` at once, through _exit(2): Node then neither joins its threads
 * nor tears down its heap, work the kernel does anyway when the process goes (1 to 3 ms of every
 * shutdown, more on a machine busy reaping the services just stopped). For a daemon that has
 * flushed its logs and closed its socket. Returns, doing nothing, where that would lose
 * something: when a listener waits for the 'exit' event (a code cache to write), when V8 is to
 * write coverage (NODE_V8_COVERAGE) or Node a profile or trace (--cpu-prof and the like), or
 * without the C library through the FFI layer.
 */
export function exitNow(status: number): void {
  if (process.platform === 'win32' || process.listenerCount('exit') > 0) return;
  if (process.env.NODE_V8_COVERAGE !== undefined) return;
  // Profiles, traces and debuggers asked of Node write or finish at its exit.
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((f) => WRITES_AT_EXIT.test(f)) || !compileCacheWritten()) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { bindExit } = require('./posix/ffi') as typeof import('./posix/ffi');
  const libc = platformLibc();
  const exit = libc && bindExit(libc);
  exit?.(status);
}

/**
 * Writes Node's own compile cache (22.1 on), which Node otherwise writes at a normal exit.
 * False where this Node has one and cannot write it now (before 22.10).
 */
function compileCacheWritten(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('node:module') as {
    enableCompileCache?: unknown;
    getCompileCacheDir?: () => string | undefined;
    flushCompileCache?: () => void;
  };
  if (typeof mod.enableCompileCache !== 'function') return true;
  if (mod.getCompileCacheDir === undefined || mod.flushCompileCache === undefined) return false;
  if (mod.getCompileCacheDir() !== undefined) mod.flushCompileCache();
  return true;
}

/** The C library of this platform through the FFI layer; undefined without it. */
function platformLibc(): Libc | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadLibc } = require('./posix/ffi') as typeof import('./posix/ffi');
  return loadLibc(LIBC_NAMES[process.platform] ?? ['']);
}

/**
 * Connects a non-blocking datagram socket to the log daemon's unix socket at `path` (/dev/log
 * for syslog). Returns the fd, or -errno: ENOENT or ECONNREFUSED while no log daemon listens,
 * ENOSYS when the FFI layer (koffi) is missing.
 */
export function connectLogSocket(path: string): number {
  const linux = process.platform === 'linux';
  const libc = platformLibc();
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
