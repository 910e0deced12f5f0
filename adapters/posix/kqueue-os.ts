// What the kqueue platforms (FreeBSD, macOS) share on top of the POSIX base: loading libc and
// the platform's system-call bindings (each missing piece logged once), the BSD sockaddr and
// siginfo layouts, and exit watching of pids we did not start through kqueue EVFILT_PROC.

import * as path from 'node:path';
import type { ExitStatus } from '../../src/model';
import type { OsCaps } from '../../src/core/os';
import { libcLoadError, loadLibc, type Libc } from './ffi';
import { KqueueProcWatcher, NOTE_EXIT, type KeventLayout, type KqueueSys } from './kqueue';
import { findExecHelper } from './native-programs';
import { PosixOs, type LogFn, type WaitConstants } from './posix-os';

/** Construction options of a kqueue platform adapter; libc and sys are injected by tests. */
export interface KqueueOsOptions<Sys extends KqueueSys> {
  log: LogFn;
  /** Injected for tests; null means "no libc". */
  libc?: Libc | null;
  /** Injected for tests. */
  sys?: Sys;
}

/** What distinguishes one kqueue platform: its bindings, constants and the words of its warnings. */
export interface KqueuePlatform<Sys extends KqueueSys> {
  /** Library names to try, in order ('' is the process itself). */
  libNames: string[];
  bind(libc: Libc): Sys;
  /** What is off without the FFI layer, e.g. "kqueue and log pipes". */
  offWithoutFfi: string;
  /** Which bindings, in the warning when binding fails, e.g. "kqueue". */
  bindings: string;
  wait: WaitConstants;
  kevent: KeventLayout;
  /** NOTE_EXIT reports the exit status of a process that is not our child. */
  foreignStatusKnown: boolean;
  /** Capabilities that depend on the bound calls (FreeBSD: the subreaper). */
  caps?(sys: Sys | undefined): Partial<OsCaps>;
}

/**
 * Loads libc (unless injected) and binds the platform's calls on it. Without libc, or when
 * binding fails, logs a warning and returns what it has.
 */
function loadKqueueSys<Sys extends KqueueSys>(
  opts: KqueueOsOptions<Sys>,
  platform: KqueuePlatform<Sys>,
): { libc: Libc | undefined; sys: Sys | undefined } {
  const libc = opts.libc === null ? undefined : (opts.libc ?? loadLibc(platform.libNames));
  if (!libc && opts.libc !== null) {
    opts.log(
      'warn',
      `FFI (koffi) unavailable, ${platform.offWithoutFfi} are off: ${libcLoadError()}`,
    );
  }
  let sys = opts.sys;
  if (!sys && libc) {
    try {
      sys = platform.bind(libc);
    } catch (e) {
      opts.log('warn', `${platform.bindings} bindings unavailable: ${(e as Error).message}`);
    }
  }
  return { libc, sys };
}

/** The POSIX base with the BSD layouts and a kqueue watch for pids that are not our children. */
export class KqueueOs<Sys extends KqueueSys> extends PosixOs {
  private readonly kq: KqueueProcWatcher | undefined;

  constructor(opts: KqueueOsOptions<Sys>, platform: KqueuePlatform<Sys>) {
    const { libc, sys } = loadKqueueSys(opts, platform);
    const caps = platform.caps?.(sys) ?? {};
    super(
      {
        log: opts.log,
        libc,
        helperPath: findExecHelper(path.resolve(__dirname)),
        sockaddr: 'bsd',
        siginfo: { code: 8, pid: 12, status: 20 },
        wait: platform.wait,
        oNonblock: 4,
      },
      caps,
    );
    const statusKnown = (): boolean => platform.foreignStatusKnown;
    this.kq = sys ? new KqueueProcWatcher(sys, platform.kevent, NOTE_EXIT, statusKnown) : undefined;
  }

  protected override watchForeign(
    pid: number,
    onExit: (s: ExitStatus | undefined) => void,
  ): { cancel(): void } | undefined {
    return this.kq?.watch(pid, onExit) || undefined;
  }

  override dispose(): void {
    this.kq?.dispose();
    super.dispose();
  }
}
