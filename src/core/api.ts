// The contract between the manager core and its callers (daemon/control.ts, daemon/main.ts).
// The core implements ServiceManager in service-set.ts; the daemon depends only on this file.

import type { DependencyType, ServiceDescription, ServiceType } from '../config/types';
import type { ExitStatus } from './os';

/** Numeric values match the control protocol (service_state_t). */
export type ServiceState = 'stopped' | 'starting' | 'started' | 'stopping';

/** Numeric values match the control protocol (stopped_reason_t). */
export type StoppedReason =
  'normal' | 'deprestart' | 'depfailed' | 'failed' | 'execfailed' | 'timedout' | 'terminated';

/** Numeric values match the control protocol (service_event_t). */
export type ServiceEvent =
  'started' | 'stopped' | 'failedstart' | 'startcancelled' | 'stopcancelled';

export type ShutdownType =
  'none' | 'remain' | 'halt' | 'poweroff' | 'reboot' | 'softreboot' | 'kexec';

/** Everything `status` and `list` show about one service. */
export interface ServiceStatus {
  name: string;
  type: ServiceType | 'placeholder';
  state: ServiceState;
  targetState: ServiceState;
  waitingForConsole: boolean;
  hasConsole: boolean;
  startSkipped: boolean;
  markedActive: boolean;
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

/** Errors from loading a description. The daemon maps them to NOSERVICE / SERVICE_DESC_ERR / SERVICE_LOAD_ERR. */
export type LoadFailure =
  | { kind: 'not-found'; name: string }
  | {
      kind: 'description';
      name: string;
      message: string;
      file?: string;
      line?: number;
      setting?: string;
    }
  | { kind: 'load'; name: string; message: string }
  | { kind: 'cycle'; name: string; message: string };

export class ServiceLoadError extends Error {
  readonly code = 'ESERVICELOAD';
  constructor(readonly failure: LoadFailure) {
    super(failure.kind === 'not-found' ? `service not found: ${failure.name}` : failure.message);
  }
}

/**
 * Supplies descriptions to the core. The daemon implements it with src/config (file I/O lives
 * there, not in the core). Returns the description or throws ServiceLoadError.
 */
export interface DescriptionSource {
  load(name: string): ServiceDescription;
  /** Environment used for process launches (global env + runtime setenv). */
  environment(): Record<string, string>;
  /**
   * List the service names in a dependency directory (waits-for.d etc.), or undefined when it
   * cannot be read. When provided, the core resolves ServiceDescription.dependencyDirs itself
   * (skipping entries already present in `dependencies`); when absent, the config loader is
   * expected to have put them into `dependencies`.
   */
  listDependencyDir?(dir: string): string[] | undefined;
}

export type StartResult = 'ok' | 'already' | 'pinned-stopped' | 'shutting-down';
export type StopResult = 'ok' | 'already' | 'pinned-started' | { dependents: ServiceRef[] }; // hard dependents would stop; retry with force
export type UnloadResult = 'ok' | 'not-stopped' | 'has-dependents';
export type ReloadResult = { ok: true; ref: ServiceRef } | { ok: false; message: string };
export type DepEditResult = 'ok' | 'bad-request' | { error: string };

export interface ServiceListener {
  onServiceEvent(ref: ServiceRef, event: ServiceEvent, status: ServiceStatus): void;
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

  status(ref: ServiceRef): ServiceStatus;
  list(): ServiceRef[];
  /** Dependents that hold a hard dependency on ref (for the DEPENDENTS reply). */
  dependents(ref: ServiceRef): ServiceRef[];

  /** Stop everything (in dependency order) and remember the shutdown type. */
  shutdown(type: ShutdownType): void;
  isShuttingDown(): boolean;
  /** True when no service is active (the daemon exits/shuts down then). */
  allStopped(): boolean;
  /** Called once when every service has stopped after a shutdown or when nothing remains active. */
  onAllStopped(cb: () => void): void;

  addListener(l: ServiceListener): void;
  removeListener(l: ServiceListener): void;
}

export const SERVICE_STATE_CODES: Record<ServiceState, number> = {
  stopped: 0,
  starting: 1,
  started: 2,
  stopping: 3,
};
export const STOPPED_REASON_CODES: Record<StoppedReason, number> = {
  normal: 0,
  deprestart: 1,
  depfailed: 2,
  failed: 3,
  execfailed: 4,
  timedout: 5,
  terminated: 6,
};
export const SERVICE_EVENT_CODES: Record<ServiceEvent, number> = {
  started: 0,
  stopped: 1,
  failedstart: 2,
  startcancelled: 3,
  stopcancelled: 4,
};
export const SHUTDOWN_TYPE_CODES: Record<ShutdownType, number> = {
  none: 0,
  remain: 1,
  halt: 2,
  poweroff: 3,
  reboot: 4,
  softreboot: 5,
  kexec: 6,
};
