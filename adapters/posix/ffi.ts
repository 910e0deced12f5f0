// Lazily loaded libc bindings (through koffi) for the few system calls Node does not offer:
// pipes the daemon holds, unix listening sockets it does not accept on, waitid, strerror.
// When koffi or libc cannot be loaded, loadLibc() returns undefined and callers turn the
// matching capability off.

import { SysError } from '../../src/errors';
/** The libc calls the POSIX adapters need. Each returns -1 and sets errno() on failure. */
export interface Libc {
  /** pipe(2) with both ends close-on-exec; returns [readFd, writeFd] or throws SysError. */
  pipeCloexec(): [number, number];
  /** Marks fd close-on-exec (an inherited descriptor the daemon keeps to itself). */
  setCloexec(fd: number): void;
  close(fd: number): number;
  /** waitid(2); info must be a 128-byte buffer (siginfo_t). */
  waitid(idtype: number, id: number, info: Buffer, options: number): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  listen(fd: number, backlog: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  getpgid(pid: number): number;
  strerror(errno: number): string;
  errno(): number;
  /** The koffi library handle, for platform modules that bind more calls. */
  readonly lib: KoffiLib;
  readonly koffi: KoffiModule;
}

/** The subset of koffi's types we use (kept local so koffi's typings load only on demand). */
export interface KoffiLib {
  func(definition: string): KoffiFn;
}
export type KoffiFn = (...args: unknown[]) => unknown;
export interface KoffiModule {
  load(path: string | null): KoffiLib;
  errno(): number;
}

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

let cached: Libc | undefined | null = null;
let loadError: string | undefined;

/** Returns the libc bindings, or undefined when koffi cannot load (see libcLoadError()). */
export function loadLibc(libNames: string[]): Libc | undefined {
  if (cached !== null) return cached;
  try {
    // Loaded here, not at import time, so that the CLI never pays for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as KoffiModule;
    let lib: KoffiLib | undefined;
    let lastErr: unknown;
    for (const name of libNames) {
      try {
        lib = koffi.load(name === '' ? null : name);
        break;
      } catch (e) {
        lastErr = e;
      }
    }
    if (!lib) throw lastErr ?? new Error('no C library found');
    cached = bind(koffi, lib);
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    cached = undefined;
  }
  return cached;
}

/**
 * glibc's malloc_trim(0), which gives the free pages inside the C heap back to the kernel (free()
 * alone returns only its top); undefined where the C library has none (musl, the BSDs, macOS).
 */
export function bindMallocTrim(libc: Libc): (() => void) | undefined {
  try {
    const trim = libc.lib.func('int malloc_trim(size_t)') as (pad: number) => number;
    return () => void trim(0);
  } catch {
    return undefined;
  }
}

/** _exit(2): ends the process at once, running no atexit handler; undefined if it cannot bind. */
export function bindExit(libc: Libc): ((status: number) => void) | undefined {
  try {
    return libc.lib.func('void _exit(int)') as (status: number) => void;
  } catch {
    return undefined;
  }
}

/** Why loadLibc() returned undefined, if it did. */
export function libcLoadError(): string | undefined {
  return loadError;
}

function bind(koffi: KoffiModule, lib: KoffiLib): Libc {
  const close = lib.func('int close(int)') as (fd: number) => number;
  const fcntl = lib.func('int fcntl(int, int, ...)') as (...a: unknown[]) => number;
  const pipe = lib.func('int pipe(_Out_ int *fds)') as (fds: number[]) => number;
  const waitid = lib.func('int waitid(int, int, void *, int)') as (
    a: number,
    b: number,
    c: Buffer,
    d: number,
  ) => number;
  const socket = lib.func('int socket(int, int, int)') as (
    a: number,
    b: number,
    c: number,
  ) => number;
  const bindFn = lib.func('int bind(int, void *, uint32_t)') as (
    a: number,
    b: Buffer,
    c: number,
  ) => number;
  const connect = lib.func('int connect(int, void *, uint32_t)') as (
    a: number,
    b: Buffer,
    c: number,
  ) => number;
  const listen = lib.func('int listen(int, int)') as (a: number, b: number) => number;
  const strerror = lib.func('const char *strerror(int)') as (e: number) => string;
  const getpgid = lib.func('int getpgid(int)') as (pid: number) => number;
  const libc: Libc = {
    lib,
    koffi,
    errno: () => koffi.errno(),
    close,
    waitid,
    socket,
    bind: bindFn,
    connect,
    listen,
    getpgid,
    fcntl: (fd, cmd, arg) => fcntl(fd, cmd, 'int', arg),
    strerror: (e) => strerror(e),
    pipeCloexec(): [number, number] {
      // pipe() plus FD_CLOEXEC is portable; the gap between the two calls is safe because the
      // daemon forks only from this (the JavaScript) thread.
      const fds = [0, 0];
      if (pipe(fds) !== 0) {
        const e = koffi.errno();
        throw new SysError('pipe', e, strerror(e));
      }
      for (const fd of fds) libc.setCloexec(fd);
      return [fds[0], fds[1]];
    },
    setCloexec(fd: number): void {
      fcntl(fd, F_SETFD, 'int', fcntl(fd, F_GETFD, 'int', 0) | FD_CLOEXEC);
    },
  };
  return libc;
}
