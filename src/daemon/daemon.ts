// The daemon process once its options are parsed: wires the config loader, the core, the OS
// adapter and the control server together; handles signals; starts the named services; and
// decides when to exit (user mode: once no service is active) and with which status.

import * as fs from 'node:fs';
import type { ServiceManager, ServiceRef } from '../core/api';
import type { Host } from '../core/host';
import type { Os } from '../core/os';
import { daemonHost } from './host';
import { DaemonLog, errnoMessage } from './log';
import type { InitLink } from './init-link';
import { HeapTrim } from './heap-trim';
import { Journal, journalPath, readJournal, reexecFromJournal, type JournalData } from './journal';
import { defaultSocketPath, type DaemonOptions } from './options';
import type { ExitStatus, ShutdownType } from '../model';
import { fromText, toBytes } from '../bytes';
import { ownEnv } from '../config/own-process';
import { ServiceLoadError, type LoadFailure } from '../errors';

type ExitCallback = (status: ExitStatus | undefined) => void;

/** How long the daemon waits for its log to drain before exiting (upstream: 5 seconds). */
const LOG_FLUSH_MS = 5000;

/** The exit statuses dinit uses. */
const EXIT_SUCCESS = 0;
const EXIT_FAILURE = 1;

/** The pieces the daemon is built from; main() supplies the real ones, tests may replace them. */
export interface DaemonParts {
  /** exitReports: where adopted processes' statuses come from when the init reaped them. */
  createOs(
    log: DaemonLog,
    opts: DaemonOptions,
    exitReports?: (pid: number, cb: ExitCallback) => void,
  ): Os;
  createSource(
    serviceDirs: string[],
    env: Record<string, string>,
    log: DaemonLog,
    opts: DaemonOptions,
  ): DescriptionSourceLike;
  createManager(os: Os, host: Host, source: DescriptionSourceLike): ServiceManager;
  createControl(
    manager: ServiceManager,
    env: Record<string, string>,
    ctx: ControlContext,
  ): ControlLike;
  /**
   * A non-blocking datagram socket connected to the log daemon's unix socket: the fd, or -errno.
   * Absent: the syslog main log holds its messages and never sends them.
   */
  connectLogSocket?(path: string): number;
  /**
   * What gives the C heap's free pages back to the kernel after the collection that follows a
   * burst of service events (see HeapTrim); absent or undefined where nothing can.
   */
  memoryReleaser?(): (() => void) | undefined;
}

/** Where syslog listens; DINIT_SYSLOG_SOCKET overrides it (tests, unusual systems). */
export function syslogSocketPath(env: NodeJS.ProcessEnv): string {
  const p = env.DINIT_SYSLOG_SOCKET;
  return p === undefined || p === '' ? '/dev/log' : p;
}

/** The description source as the daemon needs it (see DescriptionSource in core/api.ts). */
export type DescriptionSourceLike = import('../config/types').DescriptionSource;

/** What the daemon hands the control server. */
export interface ControlContext {
  serviceDirs: string[];
  log: DaemonLog;
  /** A client asked for shutdown (dinitctl shutdown/halt/reboot...). */
  onShutdown(type: ShutdownType): void;
  /** dinitctl daemon-reexec: the step that re-executes, or undefined when it cannot now. */
  onReexec(): (() => void) | undefined;
}

/** The control server as the daemon drives it. */
export interface ControlLike {
  /** Open the listening socket; rejects with an error whose `code` is the errno name. */
  listen(path: string): Promise<void> | void;
  /** Stop listening and remove the socket file. Open connections may be closed too. */
  close(): Promise<void> | void;
}

/**
 * Upstream's log line for a service that could not be loaded when named on the command line.
 * Returns the message without the "dinit: " prefix.
 */
export function loadFailureMessage(f: LoadFailure): string {
  switch (f.kind) {
    case 'not-found':
      return `${f.name}: could not find service description.`;
    case 'description':
      if (f.line !== undefined) {
        const where = `(file ${f.file ?? '?'}, line ${f.line})`;
        return f.setting === undefined
          ? `Error in service description for '${f.name}' ${where}: ${f.message}`
          : `Error in service description for '${f.name}': setting '${f.setting}' ${where}: ${f.message}`;
      }
      return `Error in service description for '${f.name}' setting '${f.setting ?? '?'}': ${f.message}`;
    case 'load':
      return `${f.name}: error loading: ${f.message}`;
    case 'cycle':
      return `${f.name}: error loading: ${f.message}`;
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

/**
 * Run the daemon until it should exit; resolves to the process exit status. In user mode the
 * daemon exits once no service is active; SIGINT/SIGTERM stop every service first.
 */
export async function runDaemon(
  opts: DaemonOptions,
  parts: DaemonParts,
  init?: InitLink,
): Promise<number> {
  const log = new DaemonLog({
    consoleLevel: opts.consoleLevel,
    mainLevel: opts.mainLogLevel,
    consoleServiceStatus: opts.consoleServiceStatus,
    mainLogPending: opts.logFile !== undefined,
    // As upstream, without -l the main log is syslog, held until a starts-log service starts.
    syslog: opts.logFile === undefined,
  });
  const d = new Daemon(opts, parts, log, init);
  let status: number;
  try {
    status = await d.run();
  } catch (err) {
    log.log('error', `fatal error: ${(err as Error)?.stack ?? String(err)}`);
    status = EXIT_FAILURE;
    // Leave no stale socket file behind for the next instance or a waiting client.
    await d.closeControlSocket();
  }
  await log.flush(LOG_FLUSH_MS);
  return status;
}

class Daemon {
  private manager: ServiceManager | undefined;
  private control: ControlLike | undefined;
  private shutdownType: ShutdownType = 'none';
  private pendingStop = false;
  private pendingType: ShutdownType = 'halt';
  private booting = true;
  private checkScheduled = false;
  private finish: (() => void) | undefined;
  private listening = false;
  private readonly socketPath: string;
  /** A service named on the command line failed to load or start (container exit status). */
  private bootFailed = false;
  private triedAutoRecovery = false;
  /** The control socket path pass-cs-fd services get: set once the socket first listens. */
  private socketPathForServices: string | undefined;
  private journal: Journal | undefined;
  /** Gives back the heap a burst of service events grew, once they are over. */
  private readonly heapTrim: HeapTrim;
  private os: Os | undefined;
  /** The boot record is in utmp and wtmp (written once a starts-rwfs service has started). */
  private bootLogged = false;
  private readyReported = false;

  constructor(
    private readonly opts: DaemonOptions,
    private readonly parts: DaemonParts,
    private readonly log: DaemonLog,
    /** The channel to the native init, when it started us (PID 1 duties are the init's). */
    private readonly init?: InitLink,
  ) {
    this.socketPath =
      opts.socketPath ?? defaultSocketPath(opts.systemInit, ownEnv(), homeFromPasswd());
    this.heapTrim = new HeapTrim(
      undefined,
      undefined,
      parts.memoryReleaser?.(),
      () => (this.manager?.countTransitioning() ?? 0) > 0,
    );
  }

  /**
   * Announce the start and open the main log (--log-file). Returns false when a user instance
   * cannot open its log file (the control socket is then closed again); a system manager goes on.
   */
  private async openMainLog(): Promise<boolean> {
    const { opts, log } = this;
    if (opts.systemInit) log.log('notice', 'Starting system', false);
    if (opts.logFile === undefined) return true;
    const err = log.openLogFile(opts.logFile);
    if (err === undefined || opts.systemInit) return true;
    await this.closeControlSocket();
    return false;
  }

  async run(): Promise<number> {
    const { opts, log } = this;
    if (opts.systemMgr && this.init === undefined) {
      log.log(
        'error',
        'running as system manager (--system-mgr) other than as PID 1 is not supported yet',
      );
      return EXIT_FAILURE;
    }
    this.init?.send(opts.systemMgr ? 'mode system' : 'mode container');
    this.installSignalHandlers();

    const env = this.globalEnvironment();
    const serviceDirs = this.serviceDirs();

    const init = this.init;
    const exitReports = init && ((pid: number, cb: ExitCallback) => init.takeExit(pid, cb));
    const os = this.parts.createOs(log, opts, exitReports);
    this.os = os;
    const source = this.parts.createSource(serviceDirs, env, log, opts);
    const host = daemonHost(log, () => this.socketPathForServices, {
      rootFsWritable: () => this.rootFsWritable(),
      logReady: () => this.logReady(),
    });
    const manager = this.parts.createManager(os, host, source);
    this.manager = manager;
    const resume = this.openJournal(manager, os);

    this.control = this.parts.createControl(manager, env, {
      serviceDirs,
      log,
      onShutdown: (type) => this.requestShutdown(type),
      onReexec: () => (this.canReexec() ? () => this.reexec() : undefined),
    });
    // The system instance carries on when the root filesystem is still read-only, and opens the
    // socket once a starts-rwfs service has started, as upstream does.
    if (!(await this.openControlSocket(true, !opts.systemInit))) return EXIT_FAILURE;

    if (!(await this.openMainLog())) return EXIT_FAILURE;

    manager.addListener({
      onServiceEvent: (ref, event) => {
        if (event === 'failedstart' && opts.services.includes(ref.name)) this.bootFailed = true;
        this.journal?.schedule(ref);
        // While services are active the check would find them so: the last one to stop is
        // caught by onAllStopped below. A setImmediate per event cost the daemon 5% of a restart.
        if (manager.allStopped()) this.scheduleExitCheck();
        this.heapTrim.poke();
      },
    });
    manager.onAllStopped(() => this.scheduleExitCheck());

    // Readiness goes out before the starts are issued; no client can connect in between because
    // the starts run synchronously in this same tick, and the descriptor is then closed before
    // any service process is launched, so it does not leak into them.
    let done = new Promise<void>((resolve) => (this.finish = resolve));
    if (resume === undefined) {
      this.reportReady();
      this.startNamedServices(manager, opts.services);
    } else {
      this.resumeFrom(manager, resume);
    }
    this.journal?.schedule();
    this.booting = false;
    this.heapTrim.started();
    if (this.pendingStop) this.requestShutdown(this.pendingType);
    this.scheduleExitCheck();
    await done;
    while (this.init !== undefined && opts.systemMgr && this.shutdownType === 'none') {
      // Every service stopped with no shutdown asked for: a boot failure.
      const next = await this.bootFailureChoice();
      if (next !== 'recovery' && next !== 'boot') {
        this.shutdownType = next;
        break;
      }
      done = new Promise<void>((resolve) => (this.finish = resolve));
      await this.openControlSocket(true);
      this.startNamedServices(manager, next === 'boot' ? opts.services : ['recovery']);
      this.scheduleExitCheck();
      await done;
    }

    await this.closeControlSocket();
    this.journal?.remove();
    if (this.init !== undefined) return this.handOverToInit(this.init);
    if (this.shutdownType === 'reboot') {
      // A user-mode instance asked to "reboot" dies of SIGINT, as upstream does.
      await log.flush(LOG_FLUSH_MS);
      process.removeAllListeners('SIGINT');
      process.kill(process.pid, 'SIGINT');
    }
    return EXIT_SUCCESS;
  }

  /** The global environment: the process environment, with the -e file applied over it. */
  private globalEnvironment(): Record<string, string> {
    const base = ownEnv();
    const file = this.opts.envFile;
    if (file === undefined) return base;
    try {
      type EnvFileModule = typeof import('../config/env-file');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { readGlobalEnvFile } = require('../config/env-file') as EnvFileModule;
      return readGlobalEnvFile(file, base, (msg) => this.log.log('warn', `${file}: ${msg}`));
    } catch (err) {
      // Upstream ignores an environment file it cannot open; say so at debug level only.
      this.log.log('debug', `could not read environment file ${file}: ${errnoMessage(err)}`);
      return base;
    }
  }

  private serviceDirs(): string[] {
    if (this.opts.serviceDirs.length > 0) return [...this.opts.serviceDirs];
    type DirsModule = typeof import('../config/service-dirs');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { defaultServiceDirs } = require('../config/service-dirs') as DirsModule;
    return defaultServiceDirs(this.opts.systemInit ? 'system' : 'user', ownEnv());
  }

  private installSignalHandlers(): void {
    const stopAll = (type: ShutdownType): void => {
      try {
        if (this.manager === undefined || this.booting) {
          this.pendingStop = true;
          this.pendingType = type;
        } else this.requestShutdown(type);
      } catch (err) {
        this.internalError('signal handler', err);
      }
    };
    // As system manager (the init forwards them): SIGINT reboots, SIGTERM halts.
    process.on('SIGTERM', () => stopAll('halt'));
    process.on('SIGINT', () => stopAll(this.opts.systemMgr ? 'reboot' : 'halt'));
    // SIGHUP (the terminal went away) stops every service in order and exits, so none is left
    // orphaned; upstream dies of it on the spot. When SIGHUP was ignored at start (nohup; found
    // out by bin/dinit, since Node resets it) it stays ignored and the manager keeps running.
    // A system manager has no terminal to lose: it ignores SIGHUP, as PID 1 would.
    const hupIgnored = process.env.DINIT_TS_SIGHUP_IGNORED === '1' || this.opts.systemMgr;
    delete process.env.DINIT_TS_SIGHUP_IGNORED; // not passed on to services
    process.on('SIGHUP', hupIgnored ? () => {} : () => stopAll('halt'));
    process.on('SIGUSR1', () => {
      void this.openControlSocket(false);
    });
    process.on('SIGUSR2', () => this.reexec());
    // Keep a write to a terminal owned by another process group from stopping the daemon.
    for (const sig of ['SIGTSTP', 'SIGTTIN', 'SIGTTOU'] as const) process.on(sig, () => {});
    process.on('uncaughtException', (err) => this.internalError('uncaught exception', err));
    process.on('unhandledRejection', (err) => this.internalError('unhandled rejection', err));
  }

  private internalError(where: string, err: unknown): void {
    this.log.log('error', `internal error (${where}): ${(err as Error)?.stack ?? String(err)}`);
  }

  /** Stop every service (in dependency order) and remember why; exit follows when all stopped. */
  private requestShutdown(type: ShutdownType): void {
    const m = this.manager;
    if (m === undefined) return;
    this.shutdownType = type;
    try {
      m.shutdown(type);
    } catch (err) {
      this.internalError('shutdown', err);
    }
    this.scheduleExitCheck();
  }

  /**
   * Open the control socket at start-up, or on SIGUSR1 re-create it if its file has gone.
   * Returns false after logging on failure. Like upstream, refuses to take over a socket that
   * another instance is still answering on. With reportReadOnly false, a read-only filesystem
   * is no failure: true, not listening, and nothing logged (the socket comes with starts-rwfs).
   */
  private async openControlSocket(initial: boolean, reportReadOnly = true): Promise<boolean> {
    const control = this.control;
    if (control === undefined) return false;
    try {
      if (!initial && this.listening && socketFileExists(this.socketPath)) return true;
      if (await socketIsActive(this.socketPath)) {
        this.log.log(
          'error',
          'Control socket is already active (another instance already running?)',
        );
        return false;
      }
      await control.listen(this.socketPath);
      this.listening = true;
      // Lets pass-cs-fd services have a connection to this path.
      this.socketPathForServices = this.socketPath;
      return true;
    } catch (err) {
      const e = err as { message?: string; code?: string };
      if (e?.code === 'EROFS' && !reportReadOnly) return true;
      this.log.log('error', e?.message ?? String(err));
      return false;
    }
  }

  async closeControlSocket(): Promise<void> {
    this.listening = false;
    try {
      await this.control?.close();
    } catch (err) {
      this.internalError('closing control socket', err);
    }
  }

  /**
   * Sets up the journal beside the control socket. Returns what to resume from when this manager
   * replaces one that crashed (the init started it again) or re-executed itself; otherwise a
   * journal left over from an earlier boot is ignored.
   */
  private openJournal(manager: ServiceManager, os: Os): JournalData | undefined {
    const init = this.init;
    const file = journalPath(this.socketPath);
    const reexec = process.env.DINIT_TS_REEXEC === '1';
    delete process.env.DINIT_TS_REEXEC;
    const held = (process.env.DINIT_INIT_HELD ?? '').split(',').filter((k) => k !== '');
    delete process.env.DINIT_INIT_HELD;
    const pipes = init && {
      hold: (fd: number, ino: number) => init.send(`hold ${fd} ${ino}`),
      drop: (fd: number, ino: number) => init.send(`drop ${fd} ${ino}`),
    };
    const state = () => ({
      bootFailed: this.bootFailed,
      shutdown: this.shutdownType,
      bootLogged: this.bootLogged,
    });
    this.journal = new Journal(
      file,
      manager,
      os,
      (m) => this.log.log('warn', m),
      state,
      pipes,
      init?.held ?? held,
    );
    if (!reexec && (init === undefined || init.run === 0)) return undefined;
    return readJournal(file);
  }

  /** Takes the services back as the journal left them, instead of starting the boot services. */
  private resumeFrom(manager: ServiceManager, data: JournalData): void {
    const t0 = Date.now();
    this.bootFailed = data.bootFailed;
    // Before the services come back: a resumed starts-rwfs service must not log a second boot.
    this.bootLogged = data.bootLogged === true;
    const failed = manager.resume?.(data.services) ?? [];
    for (const name of failed) this.log.log('error', `${name}: could not be loaded again`);
    const n = data.services.length - failed.length;
    this.log.log(
      'notice',
      `resumed ${n} services from ${this.journal?.file} in ${Date.now() - t0} ms`,
    );
    if (data.shutdown !== 'none') {
      this.pendingStop = true;
      this.pendingType = data.shutdown;
    }
  }

  /**
   * A starts-log service has started: connect the main log to syslog (or, with -l, open the log
   * file if that failed before), as upstream does.
   */
  private logReady(): void {
    const { opts, log } = this;
    if (opts.logFile !== undefined) {
      if (!log.mainAttached) log.openLogFile(opts.logFile);
      return;
    }
    const connect = this.parts.connectLogSocket;
    if (connect === undefined) return;
    log.connectSyslog(() => connect(syslogSocketPath(process.env)));
  }

  /**
   * A starts-rwfs service has started: open the log file if that failed on the read-only root,
   * and, for the system instance, write the boot record to utmp and wtmp (once; tried again at
   * the next such start if it failed).
   */
  private rootFsWritable(): void {
    const { opts, log } = this;
    if (!this.listening) {
      void this.openControlSocket(true).then((ok) => {
        if (ok) this.reportReady();
      });
    }
    if (opts.logFile !== undefined && !log.mainAttached) log.openLogFile(opts.logFile);
    if (opts.systemInit && !this.bootLogged) this.bootLogged = this.os?.utmpBoot?.() ?? true;
    this.journal?.schedule();
  }

  /** Re-executing needs the journal, and is refused while booting or shutting down. */
  private canReexec(): boolean {
    return this.journal !== undefined && !this.booting && this.shutdownType === 'none';
  }

  /**
   * daemon-reexec (dinitctl daemon-reexec, SIGUSR2): replace this manager in place with a new one
   * that resumes. Returns only when it could not (logged).
   */
  private reexec(): void {
    const journal = this.journal;
    if (journal === undefined || !this.canReexec()) return;
    this.log.log('notice', 'Re-executing the service manager.');
    const why = reexecFromJournal(journal, this.init);
    this.log.log('error', `daemon-reexec failed: ${why}`);
  }

  /**
   * --ready-fd: write the socket path and a NUL, then close the descriptor (unless 1 or 2).
   * Only once the socket listens (a read-only root defers both to a starts-rwfs service).
   */
  private reportReady(): void {
    const fd = this.opts.readyFd;
    if (fd === undefined || !this.listening || this.readyReported) return;
    this.readyReported = true;
    try {
      fs.writeSync(fd, Buffer.from(`${this.socketPath}\0`));
    } catch (err) {
      this.log.log('warn', `could not write to ready fd ${fd}: ${errnoMessage(err)}`);
    }
    if (fd > 2) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed by someone else; nothing more to do.
      }
    }
  }

  private startNamedServices(manager: ServiceManager, names: readonly string[]): void {
    for (const name of names) {
      try {
        const ref: ServiceRef = manager.load(name);
        manager.start(ref);
      } catch (err) {
        if (
          err instanceof ServiceLoadError ||
          (err as { code?: string })?.code === 'ESERVICELOAD'
        ) {
          this.log.log('error', loadFailureMessage((err as ServiceLoadError).failure));
          this.bootFailed = true;
        } else {
          this.internalError(`starting ${name}`, err);
        }
      }
    }
  }

  /**
   * The end of a manager run under the native init: tell it what to do next (the final steps of
   * a shutdown, or the container's exit status) and exit; the init does the rest.
   */
  private async handOverToInit(init: InitLink): Promise<number> {
    if (!this.opts.systemMgr) {
      // Container rule: 0 after an orderly stop, 1 when a service named on the command line
      // (boot by default) could not be loaded or failed to start.
      init.send(`exit ${this.bootFailed ? EXIT_FAILURE : EXIT_SUCCESS}`);
      return EXIT_SUCCESS;
    }
    const type = this.shutdownType === 'none' ? 'halt' : this.shutdownType;
    const will: Partial<Record<ShutdownType, string>> = {
      reboot: 'Will reboot.',
      softreboot: 'Will soft-reboot.',
      halt: 'Will halt.',
      poweroff: 'Will power down.',
      kexec: 'Will kexec.',
    };
    this.log.log('notice', `No more active services. ${will[type] ?? ''}`.trimEnd());
    await this.log.flush(LOG_FLUSH_MS);
    init.send(`shutdown ${type}`);
    return EXIT_SUCCESS;
  }

  /**
   * Upstream's boot-failure contingency: with -r start `recovery`; else ask on the console
   * (reboot, recovery, restart boot, power off); with no console to ask, halt.
   */
  private async bootFailureChoice(): Promise<ShutdownType | 'recovery' | 'boot'> {
    this.log.log('notice', 'No more active services. Will handle boot failure.');
    await this.log.flush(LOG_FLUSH_MS);
    fs.writeSync(1, 'All services have stopped with no shutdown issued; boot failure?\n');
    if (this.opts.autoRecovery && !this.triedAutoRecovery) {
      this.triedAutoRecovery = true;
      return 'recovery';
    }
    const stdin = process.stdin;
    if (!stdin.isTTY) {
      fs.writeSync(1, 'Halting.\n');
      return 'halt';
    }
    stdin.setRawMode(true);
    try {
      for (;;) {
        fs.writeSync(1, 'Choose: (r)eboot, r(e)covery, re(s)tart boot sequence, (p)ower off? ');
        const key = await new Promise<string>((resolve) => {
          stdin.once('data', (b: Buffer) => resolve(b.toString('latin1', 0, 1)));
          stdin.resume();
        });
        stdin.pause();
        fs.writeSync(1, '\n');
        switch (key.toLowerCase()) {
          case 'r':
            return 'reboot';
          case 'e':
            return 'recovery';
          case 's':
            return 'boot';
          case 'p':
            return 'poweroff';
          default:
            continue;
        }
      }
    } finally {
      stdin.setRawMode(false);
    }
  }

  private scheduleExitCheck(): void {
    if (this.checkScheduled || this.booting) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      try {
        const m = this.manager;
        if (m === undefined || this.finish === undefined) return;
        if (!m.allStopped()) return;
        // A "remain" shutdown leaves the daemon running with nothing active.
        if (this.shutdownType === 'remain') return;
        const f = this.finish;
        this.finish = undefined;
        // Stop accepting and remove the socket in this same tick, so no client connects to a
        // daemon that is about to exit.
        void this.closeControlSocket();
        f();
      } catch (err) {
        this.internalError('exit check', err);
      }
    });
  }
}

/** True when path exists and is a socket. */
function socketFileExists(path: string): boolean {
  try {
    return fs.statSync(toBytes(path)).isSocket();
  } catch {
    return false;
  }
}

/** True when something accepts connections on the unix socket at path (bounded to 1 s). */
async function socketIsActive(path: string): Promise<boolean> {
  if (!socketFileExists(path)) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  return new Promise<boolean>((resolve) => {
    const s = net.createConnection(path);
    const done = (active: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(active);
    };
    const timer = setTimeout(() => done(true), 1000);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** The current user's home directory from the password database (for the socket path). */
function homeFromPasswd(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const os = require('node:os') as typeof import('node:os');
    return fromText(os.userInfo().homedir);
  } catch {
    return undefined;
  }
}
