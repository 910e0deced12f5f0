// ControlClient: talks the Dinit control protocol to a daemon over a unix socket.
// One request on the wire at a time (others queue); service and environment events are
// delivered to a callback in stream order, also while a request is waiting for its reply.
// Imports only its transport and the protocol codec so that dinitctl starts fast.

import {
  CATLOG_CLEAR,
  DepCode,
  type DepTypeName,
  DTS_EXTENSION_VERSION,
  MAX_REQUEST_STRING,
  MIN_COMPAT_VERSION,
  PROTOCOL_VERSION,
  SsFlag,
} from '../protocol/codes';
import {
  type InfoPacket,
  type Reply,
  type ReplyContext,
  type ServerPacket,
  decodeServerPacket,
} from '../protocol/replies';
import { type Request, encodeRequest } from '../protocol/requests';
import type { StatusFormat, StatusInfo } from '../protocol/status';
import {
  type ManagerSnapshot,
  type ServiceEvent,
  type ServiceState,
  type ShutdownType,
  SHUTDOWN_NAMES,
} from '../model';
import { ProtocolError } from '../errors';
import { ControlError } from '../errors';
import { toText } from '../bytes';
import {
  EarlySink,
  type Transport,
  type TransportSink,
  connectTransport,
  openTransport,
} from './transport';

/** Service event (from SERVICEEVENT5, or SERVICEEVENT for daemons older than protocol 5). */
export interface ServiceEventInfo {
  kind: 'service';
  handle: number;
  event: ServiceEvent;
  status: StatusInfo;
  /** Layout of `status`: 5 when it came from SERVICEEVENT5, 1 from SERVICEEVENT. */
  format: 1 | 5;
}
/** Environment change after listenEnv(): envVar is NAME=VALUE when set, NAME when unset. */
export interface EnvEventInfo {
  kind: 'env';
  envVar: string;
  overridden: boolean;
}
export type ClientEvent = ServiceEventInfo | EnvEventInfo;

export interface ConnectOptions {
  /** Oldest daemon protocol version accepted (default 1). */
  minVersion?: number;
  /** Newest protocol version we speak (default 7). */
  maxVersion?: number;
  /** Largest variable-size reply accepted (catlog, environment); default 64 MiB. */
  maxPayload?: number;
  /** Receives service and environment events. */
  onEvent?: (ev: ClientEvent) => void;
}

export type LoadResult =
  | { kind: 'found'; handle: number; state: ServiceState; targetState: ServiceState }
  /** NOSERVICE: no description found (or, for findService, not loaded). */
  | { kind: 'noservice' }
  /** SERVICE_DESC_ERR: the description (or one of its dependencies') has an error. */
  | { kind: 'desc-error' }
  /** SERVICE_LOAD_ERR: loading failed otherwise (I/O error, dependency cycle...). */
  | { kind: 'load-error' };

/** Replies to start / stop / wake / release / restart. */
export type ActionResult =
  /** ACK: the command was issued; the service is moving to the wanted state. */
  | { kind: 'ack' }
  /** ALREADYSS: the service is already in the wanted state (also: restart completed at once). */
  | { kind: 'already' }
  | { kind: 'pinned-started' }
  | { kind: 'pinned-stopped' }
  /** DEPENDENTS: stop (without force) refused; handles of the hard dependents that hold it. */
  | { kind: 'dependents'; handles: number[] }
  /** NAK: restart of a service that is not started, or wake with no active dependent. */
  | { kind: 'nak' }
  | { kind: 'shutting-down' };

export type AckNak = { kind: 'ack' } | { kind: 'nak' };
/** Answer to enable(): with a protocol-7 daemon, 'ack' carries the status of the enabled service. */
export type EnableResult =
  { kind: 'ack'; status?: StatusInfo; existed?: boolean } | { kind: 'nak' };
export type StatusResult =
  { kind: 'status'; status: StatusInfo; format: StatusFormat } | { kind: 'nak' };
export interface ListEntry {
  name: string;
  status: StatusInfo;
  format: 1 | 5;
}
export type SignalResult =
  { kind: 'ack' } | { kind: 'no-pid' } | { kind: 'bad-signal' } | { kind: 'kill-error' };
export type CatlogResult = { kind: 'log'; data: Buffer } | { kind: 'nak' };
export type LoadMechResult =
  { kind: 'loader'; loaderType: number; cwd: string; dirs: string[] } | { kind: 'nak' };

export interface ActionOptions {
  pin?: boolean;
  /** Ask for a PREACK before the daemon acts; onPreack runs when it arrives (before later events). */
  preack?: boolean;
  onPreack?: () => void;
}

type Step<T> = { done: true; value: T } | { done: false };

interface Op {
  bytes: Buffer;
  name: string;
  ctx: ReplyContext;
  handle(reply: Reply): Step<unknown>;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const done = <T>(value: T): Step<T> => ({ done: true, value });

/** The answer word of each reply that carries nothing but its type. */
const REPLY_KINDS = {
  ACK: 'ack',
  NAK: 'nak',
  ALREADYSS: 'already',
  PINNEDSTARTED: 'pinned-started',
  PINNEDSTOPPED: 'pinned-stopped',
  SHUTTINGDOWN: 'shutting-down',
  NOSERVICE: 'noservice',
  SERVICE_DESC_ERR: 'desc-error',
  SERVICE_LOAD_ERR: 'load-error',
  SIGNAL_NOPID: 'no-pid',
  SIGNAL_BADSIG: 'bad-signal',
  SIGNAL_KILLERR: 'kill-error',
} as const;
type PlainReply = keyof typeof REPLY_KINDS;

/**
 * A connection to the Dinit daemon's control socket. Create with ControlClient.connect(path)
 * (or fromFd); every method sends one request and resolves with the typed reply; requests
 * issued together are sent one after another. Methods reject with ControlError.
 */
export class ControlClient {
  /** Protocol version the daemon reported (after connect). */
  protocolVersion = 0;
  /** Oldest client protocol the daemon accepts. */
  daemonMinVersion = 0;
  /** Newest protocol this client was asked to speak (requests newer than it are not sent). */
  private maxVersion = PROTOCOL_VERSION;

  private buf: Buffer = Buffer.alloc(0);
  private queue: Op[] = [];
  private current: Op | undefined;
  private closedErr: ControlError | undefined;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private onEvent: ((ev: ClientEvent) => void) | undefined;
  /** Receivers of followed output (DTS_FOLLOW), by handle. */
  private readonly followers = new Map<number, (data: Buffer, dropped: number) => void>();
  private readonly maxPayload: number;

  private constructor(
    private readonly socket: Transport,
    readonly path: string,
    opts: ConnectOptions,
    sink: EarlySink,
  ) {
    this.onEvent = opts.onEvent;
    this.maxPayload = opts.maxPayload ?? 64 * 1024 * 1024;
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    const own: TransportSink = {
      data: (d) => this.onData(d),
      error: (e) => {
        const message = `control socket error: ${e.message}`;
        this.fail(new ControlError('closed', message, { path, errnoCode: e.code }));
      },
      close: () => {
        this.fail(new ControlError('closed', 'connection to the daemon closed', { path }));
        this.resolveClosed();
      },
    };
    sink.attach(own);
  }

  /**
   * Connects to the daemon at `path` and checks protocol versions (QUERYVERSION).
   * Rejects with ControlError of kind 'connect' (with errnoCode, e.g. 'ENOENT'), 'old-client' or 'old-server'.
   */
  static connect(path: string, opts: ConnectOptions = {}): Promise<ControlClient> {
    // path is bytes; Node connects to a path given as text, encoded as UTF-8.
    const textPath = toText(path);
    if (textPath === undefined) {
      const message = `connecting to socket ${path}: path is not valid UTF-8 (not supported)`;
      return Promise.reject(
        new ControlError('connect', message, { path, errnoCode: 'EINVAL', errno: 22 }),
      );
    }
    const sink = new EarlySink();
    return connectTransport(textPath, sink).then(
      (t) => ControlClient.handshake(new ControlClient(t, path, opts, sink), opts),
      (e: NodeJS.ErrnoException) => {
        throw new ControlError('connect', `connecting to socket ${path}: ${e.message}`, {
          path,
          errnoCode: e.code,
          errno: typeof e.errno === 'number' ? Math.abs(e.errno) : undefined,
        });
      },
    );
  }

  /** Uses an already connected socket file descriptor (e.g. from DINIT_CS_FD), then checks versions. */
  static fromFd(fd: number, opts: ConnectOptions = {}): Promise<ControlClient> {
    const sink = new EarlySink();
    let t: Transport;
    try {
      t = openTransport(fd, sink);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return Promise.reject(
        new ControlError('connect', `using control socket fd ${fd}: ${err.message}`, {
          path: `fd:${fd}`,
          errnoCode: err.code,
          errno: typeof err.errno === 'number' ? Math.abs(err.errno) : undefined,
        }),
      );
    }
    return ControlClient.handshake(new ControlClient(t, `fd:${fd}`, opts, sink), opts);
  }

  private static async handshake(c: ControlClient, opts: ConnectOptions): Promise<ControlClient> {
    const min = opts.minVersion ?? MIN_COMPAT_VERSION;
    const max = opts.maxVersion ?? PROTOCOL_VERSION;
    try {
      const v = await c.exchange({ type: 'QUERYVERSION' }, (r) =>
        r.type === 'CPVERSION' ? done(r) : undefined,
      );
      c.daemonMinVersion = v.minVersion;
      c.protocolVersion = v.version;
      c.maxVersion = max;
      if (v.minVersion > max) {
        throw new ControlError(
          'old-client',
          `daemon requires protocol ${v.minVersion}, we speak up to ${max}`,
        );
      }
      if (v.version < min) {
        throw new ControlError(
          'old-server',
          `daemon speaks protocol ${v.version}, we need at least ${min}`,
        );
      }
      return c;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  /** Sets (or clears) the event callback. */
  setEventHandler(cb: ((ev: ClientEvent) => void) | undefined): void {
    this.onEvent = cb;
  }

  /** Closes the connection; pending requests reject with ECLOSED. */
  close(): void {
    this.socket.destroy();
  }

  /** Resolves when the connection has closed (e.g. the daemon exited after shutdown). */
  waitForClose(): Promise<void> {
    return this.closedPromise;
  }

  // ---- service handles ----

  /** LOADSERVICE: find or load a service (and its dependencies); returns a handle on success. */
  loadService(name: string): Promise<LoadResult> {
    return this.load('LOADSERVICE', name);
  }

  /** FINDSERVICE: find an already loaded service; 'noservice' if it is not loaded. */
  findService(name: string): Promise<LoadResult> {
    return this.load('FINDSERVICE', name);
  }

  private load(type: 'LOADSERVICE' | 'FINDSERVICE', name: string): Promise<LoadResult> {
    const bad = this.checkString('service name', name);
    if (bad) return Promise.reject(bad);
    const plain = ['NOSERVICE', 'SERVICE_DESC_ERR', 'SERVICE_LOAD_ERR'] as const;
    return this.answer<LoadResult>({ type, name }, plain, (r) =>
      r.type === 'SERVICERECORD'
        ? done({ kind: 'found', handle: r.handle, state: r.state, targetState: r.targetState })
        : undefined,
    );
  }

  /** CLOSEHANDLE: forget a handle (stops events for it unless another handle refers to the service). */
  closeHandle(handle: number): Promise<void> {
    return this.ack({ type: 'CLOSEHANDLE', handle });
  }

  /** QUERYSERVICENAME: the name of the service behind a handle. */
  serviceName(handle: number): Promise<{ kind: 'name'; name: string } | { kind: 'nak' }> {
    return this.replyOrNak(
      { type: 'QUERYSERVICENAME', reserved: 0, handle },
      'SERVICENAME',
      (r) => ({ kind: 'name' as const, name: r.name }),
    );
  }

  // ---- activation ----

  /** STARTSERVICE: mark active and start; `pin` pins it started. */
  start(handle: number, opts: ActionOptions = {}): Promise<ActionResult> {
    return this.action('STARTSERVICE', flags(opts), handle, opts);
  }

  /**
   * STOPSERVICE: unmark and stop. Without `force` the daemon refuses with 'dependents' when
   * hard dependents would have to stop; with `force` they stop too. `pin` pins it stopped.
   */
  stop(handle: number, opts: ActionOptions & { force?: boolean } = {}): Promise<ActionResult> {
    return this.action('STOPSERVICE', flags(opts) | (opts.force ? 0 : SsFlag.GENTLE), handle, opts);
  }

  /**
   * STOPSERVICE with the restart flag (and a PREACK, as dinitctl sends): restart a started
   * service. 'nak' means it was not started. Events after onPreack belong to this restart.
   */
  restart(handle: number, opts: ActionOptions & { force?: boolean } = {}): Promise<ActionResult> {
    const f = flags(opts) | (opts.force ? 0 : SsFlag.GENTLE) | SsFlag.RESTART | SsFlag.PREACK;
    return this.action('STOPSERVICE', f, handle, opts);
  }

  /** WAKESERVICE: start without marking active; 'nak' when no active dependent needs it. */
  wake(handle: number, opts: ActionOptions = {}): Promise<ActionResult> {
    return this.action('WAKESERVICE', flags(opts), handle, opts);
  }

  /** RELEASESERVICE: clear the active mark (it stops if nothing needs it); `pin` pins it stopped. */
  release(handle: number, opts: ActionOptions = {}): Promise<ActionResult> {
    return this.action('RELEASESERVICE', flags(opts), handle, opts);
  }

  /** UNPINSERVICE: remove start and stop pins. */
  unpin(handle: number): Promise<void> {
    return this.ack({ type: 'UNPINSERVICE', handle });
  }

  private action(
    type: 'STARTSERVICE' | 'STOPSERVICE' | 'WAKESERVICE' | 'RELEASESERVICE',
    f: number,
    handle: number,
    opts: ActionOptions,
  ): Promise<ActionResult> {
    const plain = [
      'ACK',
      'ALREADYSS',
      'PINNEDSTARTED',
      'PINNEDSTOPPED',
      'NAK',
      'SHUTTINGDOWN',
    ] as const;
    return this.answer<ActionResult>({ type, flags: f, handle }, plain, (r) => {
      if (r.type === 'DEPENDENTS') return done({ kind: 'dependents', handles: r.handles });
      if (r.type !== 'PREACK') return undefined;
      opts.onPreack?.();
      return { done: false };
    });
  }

  // ---- queries ----

  /**
   * SERVICESTATUS6 / SERVICESTATUS5 / SERVICESTATUS: the status block of a service. `format`
   * defaults to the newest the daemon speaks. 'nak' for an unknown handle.
   */
  status(handle: number, format?: StatusFormat): Promise<StatusResult> {
    const fmt: StatusFormat =
      format ?? (this.protocolVersion >= 6 ? 6 : this.protocolVersion >= 5 ? 5 : 1);
    const type = fmt === 6 ? 'SERVICESTATUS6' : fmt === 5 ? 'SERVICESTATUS5' : 'SERVICESTATUS';
    return this.replyOrNak(
      { type, handle },
      'SERVICESTATUS',
      (r) => ({ kind: 'status' as const, status: r.status, format: r.format }),
      { status: fmt },
    );
  }

  /** LISTSERVICES5 (or LISTSERVICES for daemons before protocol 5): every loaded service. */
  list(): Promise<ListEntry[]> {
    const v5 = this.protocolVersion >= 5;
    const entries: ListEntry[] = [];
    return this.exchange(
      { type: v5 ? 'LISTSERVICES5' : 'LISTSERVICES' },
      (r): Step<ListEntry[]> | undefined => {
        if (r.type === 'SVCINFO') {
          entries.push({ name: r.name, status: r.status, format: r.format });
          return { done: false };
        }
        return r.type === 'LISTDONE' ? done(entries) : undefined;
      },
      { list: v5 ? 5 : 1 },
    );
  }

  /** QUERYSERVICEDSCDIR: the directory the service's description was loaded from. */
  queryServiceDscDir(handle: number): Promise<{ kind: 'dir'; dir: string } | { kind: 'nak' }> {
    return this.replyOrNak(
      { type: 'QUERYSERVICEDSCDIR', reserved: 0, handle },
      'SVCDSCDIR',
      (r) => ({ kind: 'dir' as const, dir: r.dir }),
    );
  }

  /** QUERY_LOAD_MECH: the daemon's loader type, working directory and service directories. */
  queryLoadMech(): Promise<LoadMechResult> {
    return this.replyOrNak({ type: 'QUERY_LOAD_MECH' }, 'LOADER_MECH', (r) => ({
      kind: 'loader' as const,
      loaderType: r.loaderType,
      cwd: r.cwd,
      dirs: r.dirs,
    }));
  }

  // ---- service editing ----

  /** UNLOADSERVICE: 'nak' when the service is not stopped or something else refers to it. */
  unload(handle: number): Promise<AckNak> {
    return this.ackNak({ type: 'UNLOADSERVICE', handle });
  }

  /** RELOADSERVICE: re-read the description; 'nak' when it cannot be reloaded. The handle is invalid afterwards. */
  reload(handle: number): Promise<AckNak> {
    return this.ackNak({ type: 'RELOADSERVICE', handle });
  }

  /** ADD_DEP: add a dependency (type 'regular' | 'waits-for' | 'milestone'); 'nak' on cycle or wrong state. */
  addDep(from: number, to: number, type: DepTypeName): Promise<AckNak> {
    return this.ackNak({ type: 'ADD_DEP', depType: DepCode[type], from, to });
  }

  /** REM_DEP: remove a dependency; 'nak' when there is no such dependency. */
  rmDep(from: number, to: number, type: DepTypeName, onReply?: () => void): Promise<AckNak> {
    return this.ackNak({ type: 'REM_DEP', depType: DepCode[type], from, to }, onReply);
  }

  /**
   * Adds a waits-for dependency from `from` to `to` and starts `to` if `from` is active. With a
   * protocol-7 daemon this sends ENABLE_SERVICE_V7, whose answer carries the status of `to`
   * right after the enable (`status`, v6 layout) and whether the link already existed; older
   * daemons get ENABLESERVICE and answer a bare ACK (no `status`). 'nak' on a cycle.
   * onReply runs when the answer is read, before any event that follows it in the stream, so a
   * caller can tell the events that predate the enable from those that follow it.
   */
  enable(from: number, to: number, onReply?: () => void): Promise<EnableResult> {
    const depType = DepCode['waits-for'];
    if (Math.min(this.protocolVersion, this.maxVersion) < 7) {
      return this.ackNak({ type: 'ENABLESERVICE', depType, from, to }, onReply);
    }
    return this.exchange<EnableResult>(
      { type: 'ENABLE_SERVICE_V7', depType, from, to },
      (r) => {
        if (r.type === 'SERVICESTATUS') {
          onReply?.();
          return done({ kind: 'ack' as const, status: r.status, existed: (r.reserved ?? 0) !== 0 });
        }
        if (r.type === 'NAK') {
          onReply?.();
          return done({ kind: 'nak' as const });
        }
        return undefined;
      },
      { status: 6 },
    );
  }

  /** SETTRIGGER: set or clear the trigger of a triggered service; 'nak' if it is not one. */
  trigger(handle: number, value: boolean): Promise<AckNak> {
    return this.ackNak({ type: 'SETTRIGGER', handle, value: value ? 1 : 0 });
  }

  /** SIGNAL: send a signal to the service's process. */
  signal(handle: number, signal: number): Promise<SignalResult> {
    const plain = ['ACK', 'SIGNAL_NOPID', 'SIGNAL_BADSIG', 'SIGNAL_KILLERR'] as const;
    return this.answer<SignalResult>({ type: 'SIGNAL', signal, handle }, plain);
  }

  /** CATLOG: the buffered output of a log-type=buffer service; `clear` empties the buffer after. */
  catlog(handle: number, clear = false): Promise<CatlogResult> {
    return this.replyOrNak(
      { type: 'CATLOG', flags: clear ? CATLOG_CLEAR : 0, handle },
      'SERVICE_LOG',
      (r) => ({ kind: 'log' as const, data: r.data }),
    );
  }

  // ---- environment and daemon ----

  /**
   * SETENV with NAME=VALUE. 'badreq' when the daemon refuses it (it then closes the connection).
   * Rejects with EINVAL for an empty variable or one longer than the protocol carries.
   */
  setenv(nameAndValue: string): Promise<{ kind: 'ack' } | { kind: 'badreq' }> {
    const bad = this.checkString('environment variable', nameAndValue);
    if (bad) return Promise.reject(bad);
    return this.exchange<{ kind: 'ack' } | { kind: 'badreq' }>(
      { type: 'SETENV', envVar: nameAndValue },
      (r) =>
        r.type === 'ACK'
          ? done({ kind: 'ack' as const })
          : r.type === 'BADREQ'
            ? done({ kind: 'badreq' as const })
            : undefined,
    );
  }

  /** SETENV with a bare NAME: unset it. */
  unsetenv(name: string): Promise<{ kind: 'ack' } | { kind: 'badreq' }> {
    return this.setenv(name);
  }

  /** GETALLENV: the daemon's whole activation environment, as NAME=VALUE strings. */
  getAllEnv(): Promise<string[]> {
    return this.exchange({ type: 'GETALLENV', reserved: 0 }, (r) =>
      r.type === 'ALLENV' ? done(r.vars) : undefined,
    );
  }

  /** LISTENENV: from now on, environment changes arrive as 'env' events. */
  listenEnv(): Promise<void> {
    return this.ack({ type: 'LISTENENV' });
  }

  /** SHUTDOWN: stop all services and shut down/exit; then use waitForClose() to see the daemon finish. */
  shutdown(type: ShutdownType): Promise<void> {
    return this.ack({ type: 'SHUTDOWN', shutdownType: SHUTDOWN_NAMES.indexOf(type) });
  }

  // ---- dinit-ts protocol extension ----

  /**
   * DTS_HELLO: ask for the dinit-ts extension. Resolves with the daemon's extension version, or
   * null when the daemon does not know it (upstream's answers BADREQ and closes the connection).
   * Send no other DTS_ request unless this resolved with a version.
   */
  extensionHello(): Promise<number | null> {
    return this.exchange({ type: 'DTS_HELLO', version: DTS_EXTENSION_VERSION }, (r) =>
      r.type === 'DTS_HELLO' ? done(r.version) : r.type === 'BADREQ' ? done(null) : undefined,
    );
  }

  /**
   * DTS_REEXEC (after extensionHello): 'refused' when the manager cannot re-execute now (NAK),
   * 'failed' when it accepted but its exec failed (ACK then NAK), 'closed' when it accepted and
   * the connection closed with the old process (the exec went ahead).
   */
  async reexec(): Promise<'refused' | 'failed' | 'closed'> {
    let accepted = false;
    try {
      return await this.exchange<'refused' | 'failed'>({ type: 'DTS_REEXEC' }, (r) => {
        if (r.type === 'NAK') return done(accepted ? 'failed' : 'refused');
        if (r.type !== 'ACK' || accepted) return undefined;
        accepted = true;
        return { done: false };
      });
    } catch (e) {
      if (accepted && e instanceof ControlError && e.kind === 'closed') return 'closed';
      throw e;
    }
  }

  /** DTS_SNAPSHOT (after extensionHello): every loaded service, its links, times and restarts. */
  snapshot(): Promise<ManagerSnapshot | null> {
    return this.exchange<ManagerSnapshot | null>({ type: 'DTS_SNAPSHOT' }, (r) =>
      r.type === 'DTS_SNAPSHOT'
        ? done(JSON.parse(r.json) as ManagerSnapshot)
        : r.type === 'NAK'
          ? done(null)
          : undefined,
    );
  }

  /**
   * DTS_FOLLOW (after extensionHello): follow the output of a log-type = buffer service.
   * Resolves with the buffer's content when the follow began, or null when the service keeps no
   * buffer (NAK); from then on `onOutput` gets each new chunk, with the bytes the daemon dropped
   * just before it because we read too slowly.
   */
  async follow(
    handle: number,
    onOutput: (data: Buffer, dropped: number) => void,
  ): Promise<Buffer | null> {
    this.followers.set(handle, onOutput);
    const r = await this.exchange<Buffer | null>({ type: 'DTS_FOLLOW', handle }, (p) =>
      p.type === 'DTS_FOLLOWING' ? done(p.data) : p.type === 'NAK' ? done(null) : undefined,
    );
    if (r === null) this.followers.delete(handle);
    return r;
  }

  // ---- machinery ----

  /**
   * Send `req`; a reply of a type in `plain` is answered as `{ kind }` (its word in
   * REPLY_KINDS), any other goes to `other` (a Step, or undefined for a reply the request
   * cannot receive).
   */
  private answer<T extends { kind: string }>(
    req: Request,
    plain: readonly PlainReply[],
    other: (r: Reply) => Step<T> | undefined = () => undefined,
  ): Promise<T> {
    return this.exchange<T>(req, (r) =>
      (plain as readonly string[]).includes(r.type)
        ? done({ kind: REPLY_KINDS[r.type as PlainReply] } as T)
        : other(r),
    );
  }

  /** Send `req`, which the daemon answers with ACK alone. */
  private async ack(req: Request): Promise<void> {
    await this.exchange(req, (r) => (r.type === 'ACK' ? done(undefined) : undefined));
  }

  /** Send `req`; the answer is `value(reply)` for a reply of type `type`, or NAK. */
  private replyOrNak<K extends Reply['type'], T>(
    req: Request,
    type: K,
    value: (r: Extract<Reply, { type: K }>) => T,
    ctx: Partial<ReplyContext> = {},
  ): Promise<T | { kind: 'nak' }> {
    return this.exchange<T | { kind: 'nak' }>(
      req,
      (r) =>
        r.type === type
          ? done(value(r as Extract<Reply, { type: K }>))
          : r.type === 'NAK'
            ? done({ kind: 'nak' as const })
            : undefined,
      ctx,
    );
  }

  /** onReply runs when the answer is read, before any event that follows it in the stream. */
  private ackNak(req: Request, onReply?: () => void): Promise<AckNak> {
    return this.exchange<AckNak>(req, (r) => {
      if (r.type !== 'ACK' && r.type !== 'NAK') return undefined;
      onReply?.();
      return done({ kind: r.type === 'ACK' ? ('ack' as const) : ('nak' as const) });
    });
  }

  /** An EINVAL error when `s` cannot travel as a protocol string (1..1021 bytes), else undefined. */
  private checkString(what: string, s: string): ControlError | undefined {
    const n = s.length; // a byte string: one char per byte
    if (n === 0 || n > MAX_REQUEST_STRING) {
      return new ControlError(
        'invalid-argument',
        `${what} must be 1 to ${MAX_REQUEST_STRING} bytes long (got ${n})`,
      );
    }
    return undefined;
  }

  /**
   * Queues a request. `handler` maps each reply: a Step to finish or continue, or undefined for
   * a reply this request cannot receive (then the call rejects with EPROTO, or EBADREQ / EOOM).
   */
  private exchange<T>(
    req: Request,
    handler: (r: Reply) => Step<T> | undefined,
    ctx: Partial<ReplyContext> = {},
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closedErr) {
        reject(this.closedErr);
        return;
      }
      const op: Op = {
        bytes: encodeRequest(req),
        name: req.type,
        ctx: { status: ctx.status ?? 6, list: ctx.list ?? 5, maxPayload: this.maxPayload },
        handle: (r) => {
          const step = handler(r);
          if (step) return step;
          if (r.type === 'BADREQ')
            throw new ControlError('bad-request', `daemon rejected ${req.type} as a bad request`, {
              request: req.type,
            });
          if (r.type === 'OOM')
            throw new ControlError('oom', 'daemon is out of memory', { request: req.type });
          throw new ControlError(
            'protocol',
            `protocol error: unexpected reply ${r.type} to ${req.type}`,
            {
              request: req.type,
              reply: r.type,
            },
          );
        },
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      this.queue.push(op);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closedErr) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    this.socket.write(next.bytes);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    try {
      while (this.buf.length > 0 && !this.closedErr) {
        const ctx = this.current?.ctx ?? { status: 6, list: 5, maxPayload: this.maxPayload };
        const r = decodeServerPacket(this.buf, ctx);
        if (r.status === 'incomplete') break;
        this.buf = this.buf.subarray(r.length);
        const p = r.packet;
        if (isInfo(p)) {
          this.deliver(p);
          continue;
        }
        const op = this.current;
        if (!op)
          throw new ControlError('protocol', `protocol error: unsolicited reply ${p.type}`, {
            reply: p.type,
          });
        const step = op.handle(p);
        if (step.done) {
          this.current = undefined;
          op.resolve(step.value);
          this.pump();
        }
      }
      if (this.buf.length > 0 && this.buf.buffer.byteLength > this.buf.length * 4 + 65536) {
        // Keep the pending bytes compact rather than pinning a large old chunk.
        this.buf = Buffer.from(this.buf);
      }
    } catch (e) {
      const err =
        e instanceof ControlError
          ? e
          : e instanceof ProtocolError
            ? new ControlError('protocol', `protocol error: ${e.message}`)
            : new ControlError('protocol', `protocol error: ${(e as Error).message}`);
      // The request being answered gets the precise error; anything queued behind it, and
      // anything issued later, sees a closed connection.
      const op = this.current;
      this.current = undefined;
      op?.reject(err);
      this.fail(
        new ControlError('closed', `connection closed after an error: ${err.message}`, {
          path: this.path,
        }),
      );
      this.socket.destroy();
    }
  }

  private deliver(p: InfoPacket): void {
    if (p.type === 'DTS_OUTPUT') {
      this.followers.get(p.handle)?.(p.data, p.dropped);
      return;
    }
    let ev: ClientEvent | undefined;
    if (p.type === 'SERVICEEVENT5') {
      ev = { kind: 'service', handle: p.handle, event: p.event, status: p.status, format: 5 };
    } else if (p.type === 'SERVICEEVENT') {
      // Protocol 5+ daemons send each event twice (SERVICEEVENT5 first); report it once.
      if (this.protocolVersion >= 5) return;
      ev = { kind: 'service', handle: p.handle, event: p.event, status: p.status, format: 1 };
    } else if (p.type === 'ENVEVENT') {
      ev = { kind: 'env', envVar: p.envVar, overridden: p.overridden };
    }
    if (!ev || !this.onEvent) return;
    try {
      this.onEvent(ev);
    } catch (e) {
      // A throwing callback must not corrupt the stream state; surface it asynchronously.
      queueMicrotask(() => {
        throw e;
      });
    }
  }

  private fail(err: ControlError): void {
    if (this.closedErr) return;
    this.closedErr = err;
    const pending = this.current ? [this.current, ...this.queue] : this.queue;
    this.current = undefined;
    this.queue = [];
    for (const op of pending) op.reject(err);
  }
}

function isInfo(p: ServerPacket): p is InfoPacket {
  return (
    p.type === 'SERVICEEVENT' ||
    p.type === 'SERVICEEVENT5' ||
    p.type === 'ENVEVENT' ||
    p.type === 'DTS_OUTPUT' ||
    p.type === 'UNKNOWN_INFO'
  );
}

function flags(opts: ActionOptions): number {
  return (opts.pin ? SsFlag.PIN : 0) | (opts.preack ? SsFlag.PREACK : 0);
}
