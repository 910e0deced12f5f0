// Login accounting through glibc's utmpx calls (koffi): an INIT_PROCESS entry while a service
// with inittab-id / inittab-line runs, DEAD_PROCESS once it has ended, and the BOOT_TIME record
// in wtmp and a fresh utmp. The struct is glibc's on x86-64 and arm64; elsewhere (and on musl,
// whose utmpx calls are stubs) binding gives undefined and nothing is recorded.

import type { Libc } from '../posix/ffi';
import { toBytes } from '../../src/bytes';

/** ut_type values. */
const BOOT_TIME = 2;
const INIT_PROCESS = 5;
const DEAD_PROCESS = 8;

/** glibc's default database paths (_PATH_UTMPX, _PATH_WTMPX). */
export const UTMP_PATH = '/var/run/utmp';
export const WTMP_PATH = '/var/log/wtmp';

/** Where the fields of struct utmpx sit, and its size. */
interface Layout {
  size: number;
  type: number;
  pid: number;
  line: number;
  id: number;
  /** ut_tv: seconds and microseconds, each `tvWord` bytes. */
  tv: number;
  tvWord: 4 | 8;
}

const ID_BYTES = 4;
const LINE_BYTES = 32;

/**
 * x86-64 keeps 32-bit ut_session and ut_tv so the file format matches 32-bit x86's
 * (__WORDSIZE_TIME64_COMPAT32); arm64 has a long ut_session and a struct timeval.
 */
const LAYOUTS: Record<string, Layout> = {
  x64: { size: 384, type: 0, pid: 4, line: 8, id: 40, tv: 340, tvWord: 4 },
  arm64: { size: 400, type: 0, pid: 4, line: 8, id: 40, tv: 344, tvWord: 8 },
};

/** The login accounting the Linux adapter offers. */
export interface Utmpx {
  /** Records a service's process (INIT_PROCESS) under its id and line. Returns success. */
  processStarted(id: string, line: string, pid: number): boolean;
  /** Marks the entry for id (or, without one, for line) DEAD_PROCESS, keeping its pid. */
  processEnded(id: string, line: string): void;
  /** The boot: a BOOT_TIME record appended to wtmp, then utmp emptied and given one. */
  boot(): boolean;
}

/** The database files (glibc's defaults unless a test names others). */
export interface UtmpxPaths {
  utmp: string;
  wtmp: string;
}

/**
 * Binds the glibc calls for this architecture, on the given files; undefined where the layout
 * is not known or the C library has no utmpx.
 */
export function bindUtmpx(
  libc: Libc,
  arch: string,
  now: () => number,
  paths: UtmpxPaths = { utmp: UTMP_PATH, wtmp: WTMP_PATH },
): Utmpx | undefined {
  const layout = LAYOUTS[arch];
  if (layout === undefined) return undefined;
  let fns: ReturnType<typeof bindCalls>;
  try {
    fns = bindCalls(libc);
    // utmpxname() fails only for want of memory; the default name needs no call at all.
    if (paths.utmp !== UTMP_PATH) fns.utmpxname(paths.utmp);
  } catch {
    // Not glibc (or too old): no utmpx here.
    return undefined;
  }
  const record = (type: number, id: string, line: string, pid: number): Buffer => {
    const r = Buffer.alloc(layout.size);
    r.writeInt16LE(type, layout.type);
    r.writeInt32LE(pid, layout.pid);
    // strncpy semantics: truncated, NUL-padded, not necessarily NUL-terminated.
    toBytes(line).copy(r, layout.line, 0, LINE_BYTES);
    toBytes(id).copy(r, layout.id, 0, ID_BYTES);
    const ms = now();
    const sec = Math.floor(ms / 1000);
    const usec = Math.floor(ms % 1000) * 1000;
    if (layout.tvWord === 4) {
      r.writeInt32LE(sec, layout.tv);
      r.writeInt32LE(usec, layout.tv + 4);
    } else {
      r.writeBigInt64LE(BigInt(sec), layout.tv);
      r.writeBigInt64LE(BigInt(usec), layout.tv + 8);
    }
    return r;
  };
  const put = (r: Buffer): boolean => {
    fns.setutxent();
    const ok = fns.pututxline(r) !== null;
    fns.endutxent();
    return ok;
  };
  return {
    processStarted: (id, line, pid) => put(record(INIT_PROCESS, id, line, pid)),
    processEnded(id, line) {
      const r = record(DEAD_PROCESS, id, line, 0);
      fns.setutxent();
      // The entry this replaces gives its pid (getutxid matches by id, getutxline by line).
      const found = id !== '' ? fns.getutxid(r) : fns.getutxline(r);
      if (found !== null) {
        const old = fns.decode(found, layout.size);
        r.writeInt32LE(old.readInt32LE(layout.pid), layout.pid);
      }
      fns.pututxline(r);
      fns.endutxent();
    },
    boot() {
      const r = record(BOOT_TIME, '', '', 0);
      fns.updwtmpx(paths.wtmp, r);
      // Entries left from before the boot describe processes that no longer exist.
      fns.truncate(paths.utmp, 0);
      return put(r);
    },
  };
}

function bindCalls(libc: Libc) {
  const k = libc.koffi as unknown as {
    decode(ptr: unknown, type: string, len: number): number[];
  };
  const fn = <T>(decl: string) => libc.lib.func(decl) as unknown as T;
  return {
    utmpxname: fn<(file: string) => number>('int utmpxname(const char *)'),
    setutxent: fn<() => void>('void setutxent(void)'),
    endutxent: fn<() => void>('void endutxent(void)'),
    pututxline: fn<(r: Buffer) => unknown>('void *pututxline(const void *)'),
    getutxid: fn<(r: Buffer) => unknown>('void *getutxid(const void *)'),
    getutxline: fn<(r: Buffer) => unknown>('void *getutxline(const void *)'),
    updwtmpx: fn<(file: string, r: Buffer) => void>('void updwtmpx(const char *, const void *)'),
    truncate: fn<(path: string, len: number) => number>('int truncate(const char *, long)'),
    /** The bytes of the static record a getutx* call returned. */
    decode: (ptr: unknown, size: number): Buffer => Buffer.from(k.decode(ptr, 'uint8_t', size)),
  };
}
