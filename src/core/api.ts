// The contract between the manager core and its callers (daemon/control.ts, daemon/main.ts).
// The core implements ServiceManager in service-set.ts; the daemon depends only on this file.

import type { DependencyType, ServiceType, ExitStatus, ManagerSnapshot } from '../model';
import type { ServiceEvent, ServiceState, ServiceStateFlags } from '../model';
import type { ShutdownType, StoppedReason } from '../model';

/** Everything `status` and `list` show about one service. */
export interface ServiceStatus extends ServiceStateFlags {
  name: string;
  type: ServiceType | 'placeholder';
  /** -1 when no process. */
  pid: number;
  stopReason: StoppedReason;
  /** Last exit status of the main process, if it has exited. */
  exitStatus?: ExitStatus;
  /** When stopReason is 'execfailed': the failed stage number (exec_stage) and errno. */
  execFailure?: { stage: number; errno: number };
  pinnedStarted: boolean;
  pinnedStopped: boolean;
  /** Description file mtime (ms since epoch) as loaded, for protocol v6. */
  loadedMtimeMs?: number;
  /**
   * The same mtime in nanoseconds, exact (dinitctl compares seconds and nanoseconds with its own
   * stat, which a float of milliseconds cannot reproduce). Set when the description carries
   * `mtimeNs` (fs.statSync(file, { bigint: true }).mtimeNs).
   */
  loadedMtimeNs?: bigint;
  /** Description file the service was loaded from. */
  file?: string;
}

/** An opaque reference to a loaded service record; stable until the record is unloaded. */
export interface ServiceRef {
  readonly name: string;
}

export type StartResult = 'ok' | 'already' | 'pinned-stopped' | 'shutting-down';
export type StopResult = 'ok' | 'already' | 'pinned-started' | { dependents: ServiceRef[] }; // hard dependents would stop; retry with force
export type UnloadResult = 'ok' | 'not-stopped' | 'has-dependents';
export type ReloadResult = { ok: true; ref: ServiceRef } | { ok: false; message: string };
export type DepEditResult = 'ok' | 'bad-request' | { error: string };

/**
 * One service as an earlier manager left it (its journal): a new manager resumes it in this
 * state, taking its running process back instead of starting it again.
 */
export interface ResumeEntry {
  name: string;
  state: ServiceState;
  markedActive: boolean;
  pinnedStarted: boolean;
  pinnedStopped: boolean;
  /** The main process, -1 when none. */
  pid: number;
  startTime?: string;
  outputFd?: number;
  outputIno?: number;
  /** The sd_notify socket the process was given (ready-notification = notify), and its state. */
  notify?: NotifyState;
}

/** A running process's sd_notify socket, last STATUS= text and watchdog timeout. */
export interface NotifyState {
  socket: string;
  status?: string;
  /** The watchdog timeout in ms (the process may have changed it); 0 for none. */
  watchdogMs: number;
}

export interface ServiceListener {
  /**
   * status() gives the service's status as of the event; it is built on the first call (most
   * listeners of most events never need it), and the same object is returned to every listener.
   */
  onServiceEvent(ref: ServiceRef, event: ServiceEvent, status: () => ServiceStatus): void;
}

/** The manager core as the daemon sees it. Every method is synchronous; work is queued and drained. */
export interface ServiceManager {
  find(name: string): ServiceRef | undefined;
  /** Load (or find) a service and everything it depends on. Throws ServiceLoadError. */
  load(name: string): ServiceRef;

  /** Explicit start: marks active. */
  start(ref: ServiceRef, opts?: { pin?: boolean }): StartResult;
  /** Start without marking active. Fails (returns 'already' semantics via status) if no active dependent. */
  wake(ref: ServiceRef, opts?: { pin?: boolean }): StartResult | 'no-dependents';
  /** Explicit stop: unmarks; force stops hard dependents too. */
  stop(ref: ServiceRef, opts?: { pin?: boolean; force?: boolean }): StopResult;
  /** Restart a started service in place (never starts a stopped one). */
  restart(
    ref: ServiceRef,
    opts?: { force?: boolean },
  ): StopResult | 'not-started' | 'shutting-down';
  /** Clear the explicit-activation mark only. */
  release(ref: ServiceRef, opts?: { pin?: boolean }): StopResult;
  unpin(ref: ServiceRef): void;

  unload(ref: ServiceRef): UnloadResult;
  reload(ref: ServiceRef): ReloadResult;
  addDep(from: ServiceRef, to: ServiceRef, type: DependencyType): DepEditResult;
  rmDep(from: ServiceRef, to: ServiceRef, type: DependencyType): DepEditResult;
  /** add waits-for dep and start "to" (the ENABLESERVICE command). */
  enable(from: ServiceRef, to: ServiceRef): DepEditResult;
  /**
   * Optional: true when `from` already has a dependency of this type on `to`. The control
   * server uses it for the "already existed" byte of the protocol-7 enable answer (0 without it).
   */
  hasDependency?(from: ServiceRef, to: ServiceRef, type: DependencyType): boolean;
  setTrigger(ref: ServiceRef, value: boolean): 'ok' | 'not-triggered';
  /** Signal the service's main process. */
  signal(ref: ServiceRef, signal: number): 'ok' | 'no-pid' | 'bad-signal' | 'kill-error';

  /** Buffered output of a log-type=buffer service (bounded by log-buffer-size); clear empties it. */
  catlog(ref: ServiceRef, clear: boolean): Buffer | 'not-buffered';
  /**
   * Follow a log-type=buffer service's output (dinit-ts): `onOutput` gets every chunk the service
   * writes from now on (also what a full buffer discards). Returns the buffer's content at this
   * moment and the function that stops following.
   */
  followOutput?(
    ref: ServiceRef,
    onOutput: (chunk: Buffer) => void,
  ): { contents: Buffer; stop: () => void } | 'not-buffered';

  status(ref: ServiceRef): ServiceStatus;
  list(): ServiceRef[];
  /** Every loaded service with its links, times and restarts (optional for test managers). */
  snapshot?(): ManagerSnapshot;
  /** Dependents that hold a hard dependency on ref (for the DEPENDENTS reply). */
  dependents(ref: ServiceRef): ServiceRef[];

  /**
   * Resume services as an earlier manager left them: marked ones are started again (with their
   * pins) and every service on the way that was started is brought up by adopting its running
   * process rather than launching it; one whose process is gone starts normally. Returns the
   * names that could not be loaded.
   */
  resume?(entries: readonly ResumeEntry[]): string[];

  /** Stop everything (in dependency order) and remember the shutdown type. */
  shutdown(type: ShutdownType): void;
  isShuttingDown(): boolean;
  /** True when no service is active (the daemon exits/shuts down then). */
  allStopped(): boolean;
  /** How many services are starting or stopping. */
  countTransitioning(): number;
  /** The sd_notify socket and state of the service's process, if it has one (for the journal). */
  notifyState(ref: ServiceRef): NotifyState | undefined;
  /** Called once when every service has stopped after a shutdown or when nothing remains active. */
  onAllStopped(cb: () => void): void;

  addListener(l: ServiceListener): void;
  removeListener(l: ServiceListener): void;
}
