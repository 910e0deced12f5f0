// The control-connection port the dinitctl commands talk to: semantic requests and replies,
// no bytes. src/cli/client-adapter.ts implements it over src/client; tests use a fake.

/** Service states as the protocol numbers them. */
export const State = { STOPPED: 0, STARTING: 1, STARTED: 2, STOPPING: 3 } as const;
/** Service events as the protocol numbers them. */
export const Event = {
  STARTED: 0,
  STOPPED: 1,
  FAILEDSTART: 2,
  STARTCANCELLED: 3,
  STOPCANCELLED: 4,
} as const;
/** Reasons a service stopped, as the protocol numbers them. */
export const StopReason = {
  NORMAL: 0,
  DEPRESTART: 1,
  DEPFAILED: 2,
  FAILED: 3,
  EXECFAILED: 4,
  TIMEDOUT: 5,
  TERMINATED: 6,
} as const;
/** si_code values for a child's termination (Linux numbering, used on the wire). */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;

/** Dependency types as the protocol numbers them. */
export const DepType = { REGULAR: 0, SOFT: 1, WAITS_FOR: 2, MILESTONE: 3 } as const;

/** The status block of a service (SERVICESTATUS reply, SVCINFO entry, SERVICEEVENT5 payload). */
export interface ServiceStatus {
  state: number;
  target: number;
  hasConsole: boolean;
  waitingConsole: boolean;
  skipped: boolean;
  markedActive: boolean;
  hasPid: boolean;
  stopReason: number;
  execStage: number;
  /** Valid when hasPid. */
  pid: number;
  /** With EXECFAILED: the errno; otherwise the si_code of the exit (protocol 5+). */
  exitSiCode: number;
  /** The exit status or signal number (protocol 5+). */
  exitSiStatus: number;
}

/** A service event delivered by the daemon. */
export interface ServiceEventInfo {
  handle: number;
  event: number;
  status?: ServiceStatus;
}

/** Reply to LOADSERVICE / FINDSERVICE. */
export type LoadReply =
  | { kind: 'record'; handle: number; state: number }
  | { kind: 'noservice' }
  | { kind: 'desc-err' }
  | { kind: 'load-err' };

/** Replies to a start/stop/wake/release request. */
export type StartStopReply =
  | { kind: 'ack' }
  | { kind: 'alreadyss' }
  | { kind: 'pinnedstarted' }
  | { kind: 'pinnedstopped' }
  | { kind: 'nak' }
  | { kind: 'shuttingdown' }
  | { kind: 'dependents'; handles: number[] };

/** Reply to SIGNAL. */
export type SignalReply = 'ack' | 'nopid' | 'badsig' | 'killerr';

/** A generic acknowledgement. */
export type AckNak = 'ack' | 'nak';

/** What the dinitctl commands need from a connection to the daemon. */
export interface CtlPort {
  /** The protocol version the daemon reported. */
  readonly protocolVersion: number;
  loadService(name: string, findOnly: boolean): Promise<LoadReply>;
  /**
   * Issue a start/stop/wake/release. `restart` asks for a stop-then-start. Events for the handle
   * that arrive after the command was issued and before its reply are returned in `seen`.
   */
  startStop(
    op: 'start' | 'stop' | 'wake' | 'release',
    handle: number,
    opts: { pin: boolean; force: boolean; restart: boolean },
  ): Promise<{ reply: StartStopReply; seen: ServiceEventInfo[] }>;
  /** Resolve with the next service event for `handle`; null when the connection closed. */
  nextEvent(handle: number): Promise<ServiceEventInfo | null>;
  /** Take (without waiting) the events for `handle` received but not yet consumed. */
  pendingEvents(handle: number): ServiceEventInfo[];
  unpin(handle: number): Promise<AckNak>;
  unload(handle: number): Promise<AckNak>;
  reload(handle: number): Promise<AckNak>;
  listServices(): Promise<Array<{ name: string; status: ServiceStatus }>>;
  serviceStatus(handle: number): Promise<ServiceStatus>;
  /** The description file's modification time as the daemon recorded it (protocol 6), or null. */
  serviceDescriptionMtime(handle: number): Promise<{ sec: number; nsec: number } | null>;
  serviceName(handle: number): Promise<string>;
  /** The absolute directory the service's description was loaded from. */
  serviceDescriptionDir(handle: number): Promise<string>;
  /** The daemon's service directories, in search order. */
  serviceDirs(): Promise<string[]>;
  /** The daemon's global environment, as NAME=VALUE strings. */
  daemonEnvironment(): Promise<string[]>;
  /** ADD_DEP / REM_DEP; 'other' for any other reply. */
  addRemoveDep(add: boolean, depType: number, from: number, to: number): Promise<AckNak | 'other'>;
  /**
   * Enable (ENABLESERVICE, or ENABLE_SERVICE_V7 with a protocol-7 daemon) or disable (REM_DEP
   * waits-for); 'other' for any other reply. Events for `to` that arrived before the reply are
   * discarded. A protocol-7 enable also returns the status of `to` as of the enable.
   */
  enableDisable(
    enable: boolean,
    from: number,
    to: number,
  ): Promise<{ reply: AckNak | 'other'; status?: ServiceStatus }>;
  /** Ask the daemon to shut down; resolves with the reply. */
  shutdown(kind: number): Promise<AckNak>;
  /** Resolve once the daemon closes the connection. */
  waitClosed(): Promise<void>;
  /** SETENV with "NAME=VALUE" (set) or "NAME" (unset). 'badreq' when refused. */
  setenv(assignment: string): Promise<'ack' | 'badreq'>;
  setTrigger(handle: number, value: boolean): Promise<AckNak>;
  catLog(handle: number, clear: boolean): Promise<Buffer | null>;
  signal(handle: number, signo: number): Promise<SignalReply>;
  close(): void;
}
