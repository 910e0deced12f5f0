// The control-connection port the dinitctl commands talk to: the client's typed requests and
// replies (src/client, names from src/model), plus per-handle event queues so that a command
// can wait for events. src/cli/client-adapter.ts implements it over src/client; tests use a fake.

import type {
  AckNak,
  ActionResult,
  LoadResult,
  ServiceEventInfo,
  SignalResult,
} from '../client/control-client';
import type { StatusInfo } from '../protocol/status';
import type { ManagerSnapshot, ShutdownType } from '../model';
import type { DepTypeName } from '../protocol/codes';

export type { AckNak, ActionResult, LoadResult, ServiceEventInfo, SignalResult, StatusInfo };

/** What the dinitctl commands need from a connection to the daemon. */
export interface CtlPort {
  /** The protocol version the daemon reported. */
  readonly protocolVersion: number;
  loadService(name: string, findOnly: boolean): Promise<LoadResult>;
  /**
   * Issue a start/stop/wake/release. `restart` asks for a stop-then-start. Events for the handle
   * that arrive after the command was issued and before its reply are returned in `seen`.
   */
  startStop(
    op: 'start' | 'stop' | 'wake' | 'release',
    handle: number,
    opts: { pin: boolean; force: boolean; restart: boolean },
  ): Promise<{ reply: ActionResult; seen: ServiceEventInfo[] }>;
  /** Resolve with the next service event for `handle`; null when the connection closed. */
  nextEvent(handle: number): Promise<ServiceEventInfo | null>;
  /** Take (without waiting) the events for `handle` received but not yet consumed. */
  pendingEvents(handle: number): ServiceEventInfo[];
  unpin(handle: number): Promise<void>;
  unload(handle: number): Promise<AckNak>;
  reload(handle: number): Promise<AckNak>;
  /** Every loaded service with its status (status blocks in the v5 layout, see StatusInfo). */
  listServices(): Promise<Array<{ name: string; status: StatusInfo }>>;
  serviceStatus(handle: number): Promise<StatusInfo>;
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
  addRemoveDep(
    add: boolean,
    depType: DepTypeName,
    from: number,
    to: number,
  ): Promise<AckNak['kind'] | 'other'>;
  /**
   * Enable (ENABLESERVICE, or ENABLE_SERVICE_V7 with a protocol-7 daemon) or disable (REM_DEP
   * waits-for); 'other' for any other reply. Events for `to` that arrived before the reply are
   * discarded. A protocol-7 enable also returns the status of `to` as of the enable.
   */
  enableDisable(
    enable: boolean,
    from: number,
    to: number,
  ): Promise<{ reply: AckNak['kind'] | 'other'; status?: StatusInfo }>;
  /** Ask the daemon to shut down (resolves once it acknowledged). */
  shutdown(type: ShutdownType): Promise<void>;
  /** Resolve once the daemon closes the connection. */
  waitClosed(): Promise<void>;
  /** SETENV with "NAME=VALUE" (set) or "NAME" (unset). 'badreq' when refused. */
  setenv(assignment: string): Promise<{ kind: 'ack' } | { kind: 'badreq' }>;
  setTrigger(handle: number, value: boolean): Promise<AckNak>;
  /** The buffered log, or null when the service does not buffer its output. */
  catLog(handle: number, clear: boolean): Promise<Buffer | null>;
  signal(handle: number, signo: number): Promise<SignalResult>;
  /** The daemon's dinit-ts extension version, or null for a daemon without it (upstream's). */
  extensionVersion(): Promise<number | null>;
  /** daemon-reexec (only after extensionVersion gave a version); see ControlClient.reexec. */
  reexec(): Promise<'refused' | 'failed' | 'closed'>;
  /** The loaded graph (only after extensionVersion gave a version); null when it keeps none. */
  snapshot(): Promise<ManagerSnapshot | null>;
  /**
   * Follow a buffered service's output (only after extensionVersion gave a version): the buffer
   * when the follow began, or null without one; then onOutput for each new chunk.
   */
  followOutput?(
    handle: number,
    onOutput: (data: Buffer, dropped: number) => void,
  ): Promise<Buffer | null>;
  close(): void;
}
