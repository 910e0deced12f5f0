// One control connection: buffers and decodes requests, keeps this client's handle table
// (handle <-> service), calls the ServiceManager and answers exactly as Dinit's control.cc
// does. A malformed request gets BADREQ and the connection closes; nothing here throws out
// of a socket callback.

import * as path from 'node:path';
import { type ServiceManager, type ServiceRef, type ServiceStatus } from '../core/api';
import { loadFailureMessage } from './daemon';
import {
  CATLOG_CLEAR,
  DTS_EXTENSION_VERSION,
  MIN_COMPAT_VERSION,
  PROTOCOL_VERSION,
  SSET_TYPE_DIRLOAD,
  SsFlag,
} from '../protocol/codes';
import { type Reply, encodeReply } from '../protocol/replies';
import { type Request, decodeRequest } from '../protocol/requests';
import type { StatusInfo } from '../protocol/status';
import type { EnvStore } from './env-store';
import { toStatusInfo } from './control-status';
import {
  type DependencyType,
  type ServiceEvent,
  type ShutdownType,
  SHUTDOWN_NAMES,
} from '../model';
import { ServiceLoadError, ProtocolError } from '../errors';

/** Log levels the control server uses (a subset of the daemon's). */
export type ControlLogLevel = 'debug' | 'notice' | 'warn' | 'error';

/** What a connection needs from its server. */
export interface ConnContext {
  manager: ServiceManager;
  env: EnvStore;
  serviceDirs: string[];
  log(level: ControlLogLevel, msg: string): void;
  onShutdown?(type: ShutdownType): void;
  /**
   * dinitctl daemon-reexec: undefined when the manager cannot re-execute now, else the step that
   * does it, which returns only when the exec failed (the manager logged why).
   */
  onReexec?(): (() => void) | undefined;
  cwd(): string;
  /** Drop the connection when more than this many bytes of output are waiting. */
  maxOutputBytes: number;
  /** Most handles one connection may hold; beyond it the connection gets OOM and closes. */
  maxHandles: number;
  /** True when a connection other than `conn` holds a handle to the service named. */
  otherHolds(conn: ControlConn, name: string): boolean;
  /** A successful unload: handles to the service in other connections are now stale. */
  onUnloaded(conn: ControlConn, name: string): void;
  removed(conn: ControlConn): void;
}

/** The socket as a connection uses it (a net.Socket in the daemon). */
export interface ConnSocket {
  /** `written` runs once the bytes are handed to the kernel. */
  write(b: Buffer, written?: () => void): boolean;
  end(cb?: () => void): unknown;
  destroy(): void;
  pause(): void;
  resume(): void;
  /** Hold writes until uncork(), then hand them to the kernel together (net.Socket has it). */
  cork?(): void;
  uncork?(): void;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  on(ev: 'data', cb: (d: Buffer) => void): unknown;
  on(ev: 'drain' | 'close', cb: () => void): unknown;
  on(ev: 'error', cb: (e: Error) => void): unknown;
}

/** Upstream's receive buffer size: no request may be longer. */
const INPUT_LIMIT = 1024;

/**
 * Followed output (DTS_FOLLOW) is dropped, and counted, while more than this many bytes wait to
 * be read by the client: a slow follower costs the daemon at most this (plus one chunk).
 */
export const FOLLOW_OUTPUT_LIMIT = 256 * 1024;

/** One followed service of a connection. */
interface Follow {
  stop: () => void;
  /** Bytes dropped since the last DTS_OUTPUT, reported in the next one. */
  dropped: number;
}

type RequestOf<K extends Request['type']> = Request & { type: K };
type RequestHandlers = { [K in Request['type']]: (req: RequestOf<K>) => void };
type StartStopRequest = RequestOf<
  'STARTSERVICE' | 'STOPSERVICE' | 'WAKESERVICE' | 'RELEASESERVICE'
>;
type DepEditRequest = RequestOf<'ADD_DEP' | 'REM_DEP' | 'ENABLESERVICE' | 'ENABLE_SERVICE_V7'>;

const DEP_TYPES: Partial<Record<number, DependencyType>> = {
  0: 'regular',
  2: 'waits-for',
  3: 'milestone',
};

export class ControlConn {
  private readonly handles = new Map<number, ServiceRef>();
  private readonly handlesByName = new Map<string, Set<number>>();
  private inBuf: Buffer = Buffer.alloc(0);
  /** After BADREQ/OOM or a fatal error: read nothing more, close once output is flushed. */
  private closing = false;
  private dead = false;
  /** Reading paused because output passed the high-water mark. */
  private throttled = false;
  private unlistenEnv: (() => void) | undefined;
  /** The client said DTS_HELLO: the dinit-ts extension's requests are known on this connection. */
  private extension = false;
  /** Services followed through DTS_FOLLOW, by handle. */
  private readonly follows = new Map<number, Follow>();

  constructor(
    private readonly socket: ConnSocket,
    private readonly ctx: ConnContext,
  ) {
    socket.on('data', (d) => this.guard('reading', () => this.onData(d)));
    socket.on('drain', () => this.guard('draining', () => this.onDrain()));
    socket.on('error', (e) => {
      if (
        (e as NodeJS.ErrnoException).code !== 'ECONNRESET' &&
        (e as NodeJS.ErrnoException).code !== 'EPIPE'
      ) {
        this.ctx.log('warn', `Error on control connection: ${e.message}`);
      }
      this.teardown();
    });
    socket.on('close', () => this.teardown());
  }

  /** True when this connection holds a handle to the named service. */
  holds(name: string): boolean {
    return (this.handlesByName.get(name)?.size ?? 0) > 0;
  }

  /** Forget every handle to the named service (it was unloaded elsewhere). */
  dropService(name: string): void {
    const hs = this.handlesByName.get(name);
    if (!hs) return;
    for (const h of hs) this.unfollow(h);
    for (const h of hs) this.handles.delete(h);
    this.handlesByName.delete(name);
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.socket.destroy();
    this.teardown();
  }

  /**
   * Sends SERVICEEVENT5 then SERVICEEVENT for each handle this connection holds to the service
   * (Dinit sends both, newest first). statusInfos gives the two status blocks; the caller builds
   * them at the first call and hands the same ones to every connection.
   */
  serviceEvent(
    name: string,
    event: ServiceEvent,
    statusInfos: () => [status5: StatusInfo, status1: StatusInfo],
  ): void {
    const hs = this.handlesByName.get(name);
    if (!hs || this.dead) return;
    const [status5, status1] = statusInfos();
    for (const handle of [...hs].sort((a, b) => a - b)) {
      this.send({ type: 'SERVICEEVENT5', handle, event, status: status5 });
      this.send({ type: 'SERVICEEVENT', handle, event, status: status1 });
    }
  }

  // ---- input ----

  private onData(d: Buffer): void {
    if (this.closing || this.dead) return;
    this.inBuf = this.inBuf.length === 0 ? d : Buffer.concat([this.inBuf, d]);
    this.processInput();
  }

  private onDrain(): void {
    this.reportDropped();
    if (this.throttled && !this.dead) {
      this.throttled = false;
      this.socket.resume();
      this.processInput();
    }
  }

  private processInput(): void {
    while (this.inBuf.length > 0 && !this.closing && !this.dead && !this.throttled) {
      let r;
      try {
        r = decodeRequest(this.inBuf);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        this.ctx.log('debug', `control connection: ${e.message}`);
        this.badRequest();
        return;
      }
      if (r.status === 'incomplete') {
        if (r.needed > INPUT_LIMIT || this.inBuf.length >= INPUT_LIMIT) {
          this.ctx.log('warn', 'Received too-large control packet; dropping connection');
          this.closeAfterOutput();
        }
        return;
      }
      this.inBuf = this.inBuf.subarray(r.length);
      this.handle(r.packet);
      if (!this.closing && this.socket.writableNeedDrain) {
        // Like Dinit, stop accepting commands until the client reads what we sent. The socket's
        // high-water mark is 16 KiB (set by the server), the same as Dinit's OUTBUF_LIMIT; a
        // 'drain' event is then guaranteed to resume us.
        this.throttled = true;
        this.socket.pause();
      }
    }
    if (this.inBuf.length === 0) this.inBuf = Buffer.alloc(0);
  }

  // ---- output ----

  /** `written`: run once the packet is handed to the kernel (not if the connection is dropped). */
  private send(p: Reply | Parameters<typeof encodeReply>[0], written?: () => void): void {
    if (this.dead || this.socket.destroyed) return;
    // The bound applies to output already waiting, so one large reply (a catlog of a big log
    // buffer) still goes out whole; a client that stops reading is dropped at the next packet.
    if (this.socket.writableLength > this.ctx.maxOutputBytes) {
      this.ctx.log('warn', 'Control connection is not reading its output; dropping connection');
      this.destroy();
      return;
    }
    this.socket.write(encodeReply(p), written);
  }

  private reply(
    type:
      | 'ACK'
      | 'NAK'
      | 'ALREADYSS'
      | 'PINNEDSTARTED'
      | 'PINNEDSTOPPED'
      | 'SHUTTINGDOWN'
      | 'NOSERVICE'
      | 'SERVICE_DESC_ERR'
      | 'SERVICE_LOAD_ERR'
      | 'SIGNAL_NOPID'
      | 'SIGNAL_BADSIG'
      | 'SIGNAL_KILLERR'
      | 'PREACK'
      | 'LISTDONE',
  ): void {
    this.send({ type });
  }

  private badRequest(): void {
    this.send({ type: 'BADREQ' });
    this.closeAfterOutput();
  }

  private closeAfterOutput(): void {
    this.closing = true;
    this.inBuf = Buffer.alloc(0);
    // Flush what is queued (the BADREQ), then close both directions, as Dinit closes the fd.
    if (!this.dead) this.socket.end(() => this.socket.destroy());
  }

  private teardown(): void {
    if (this.dead) return;
    this.dead = true;
    this.unlistenEnv?.();
    this.unlistenEnv = undefined;
    for (const f of this.follows.values()) f.stop();
    this.follows.clear();
    this.handles.clear();
    this.handlesByName.clear();
    this.ctx.removed(this);
  }

  /** Runs a callback body; an unexpected exception closes this connection only. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.ctx.log(
        'error',
        `internal error on control connection (${what}): ${(e as Error)?.stack ?? String(e)}`,
      );
      this.destroy();
    }
  }

  // ---- handles ----

  private allocHandle(ref: ServiceRef): number | undefined {
    if (this.handles.size >= this.ctx.maxHandles) {
      this.ctx.log(
        'warn',
        'Control connection holds too many service handles; dropping connection',
      );
      this.send({ type: 'OOM' });
      this.closeAfterOutput();
      return undefined;
    }
    // The lowest free number, as Dinit allocates them.
    let h = 0;
    while (this.handles.has(h)) h++;
    this.handles.set(h, ref);
    let set = this.handlesByName.get(ref.name);
    if (!set) this.handlesByName.set(ref.name, (set = new Set()));
    set.add(h);
    return h;
  }

  private releaseHandle(h: number): void {
    const ref = this.handles.get(h);
    if (!ref) return;
    this.unfollow(h);
    this.handles.delete(h);
    const set = this.handlesByName.get(ref.name);
    set?.delete(h);
    if (set && set.size === 0) this.handlesByName.delete(ref.name);
  }

  // ---- requests ----

  /** What each request does; every request type has exactly one entry. */
  private readonly onRequest: RequestHandlers = {
    QUERYVERSION: () =>
      this.send({ type: 'CPVERSION', minVersion: MIN_COMPAT_VERSION, version: PROTOCOL_VERSION }),
    FINDSERVICE: (r) => this.findLoad(r.type, r.name),
    LOADSERVICE: (r) => this.findLoad(r.type, r.name),
    CLOSEHANDLE: (r) => this.closeHandle(r.handle),
    STARTSERVICE: (r) => this.startOrWake(r, 'start'),
    STOPSERVICE: (r) => this.stop(r),
    WAKESERVICE: (r) => this.startOrWake(r, 'wake'),
    RELEASESERVICE: (r) => this.release(r),
    UNPINSERVICE: (r) => this.unpin(r.handle),
    UNLOADSERVICE: (r) => this.unload(r.handle),
    RELOADSERVICE: (r) => this.reload(r.handle),
    SHUTDOWN: (r) => this.shutdown(r.shutdownType),
    LISTSERVICES: () => this.listServices(1),
    LISTSERVICES5: () => this.listServices(5),
    SERVICESTATUS: (r) => this.serviceStatus(r.handle, 1),
    SERVICESTATUS5: (r) => this.serviceStatus(r.handle, 5),
    SERVICESTATUS6: (r) => this.serviceStatus(r.handle, 6),
    ADD_DEP: (r) => this.depEdit(r),
    REM_DEP: (r) => this.depEdit(r),
    ENABLESERVICE: (r) => this.depEdit(r),
    ENABLE_SERVICE_V7: (r) => this.depEdit(r),
    QUERY_LOAD_MECH: () =>
      this.send({
        type: 'LOADER_MECH',
        loaderType: SSET_TYPE_DIRLOAD,
        cwd: safeCwd(this.ctx),
        dirs: this.ctx.serviceDirs,
      }),
    QUERYSERVICENAME: (r) => this.serviceName(r.handle),
    QUERYSERVICEDSCDIR: (r) => this.serviceDirectory(r.handle, r.reserved),
    SETENV: (r) => this.setenv(r.envVar),
    GETALLENV: (r) =>
      r.reserved !== 0
        ? this.badRequest()
        : this.send({ type: 'ALLENV', vars: this.ctx.env.entries() }),
    LISTENENV: () => this.listenEnv(),
    SETTRIGGER: (r) => this.setTrigger(r.handle, r.value),
    CATLOG: (r) => this.catlog(r.handle, r.flags),
    SIGNAL: (r) => this.signal(r.handle, r.signal),
    DTS_HELLO: () => {
      this.extension = true;
      this.send({ type: 'DTS_HELLO', version: DTS_EXTENSION_VERSION });
    },
    DTS_REEXEC: () => this.reexec(),
    DTS_SNAPSHOT: () => this.snapshot(),
    DTS_FOLLOW: (r) => this.follow(r.handle),
  };

  /**
   * DTS_FOLLOW: DTS_FOLLOWING with the buffer as it is, then a DTS_OUTPUT for each chunk of
   * output. While the client leaves more than FOLLOW_OUTPUT_LIMIT bytes unread, chunks are
   * dropped and counted; the count goes in the next DTS_OUTPUT (an empty one once the client
   * has caught up). NAK for an unknown handle or a service without a buffer.
   */
  private follow(handle: number): void {
    const ref = this.serviceFor(handle, 'NAK');
    if (!ref) return;
    if (this.follows.has(handle)) return this.reply('NAK');
    const r = this.ctx.manager.followOutput?.(ref, (chunk) =>
      this.guard('following output', () => this.followed(handle, chunk)),
    );
    if (r === undefined || r === 'not-buffered') return this.reply('NAK');
    this.follows.set(handle, { stop: r.stop, dropped: 0 });
    this.send({ type: 'DTS_FOLLOWING', data: r.contents });
  }

  private followed(handle: number, data: Buffer): void {
    const f = this.follows.get(handle);
    if (!f || this.dead) return;
    const waiting = this.socket.writableLength;
    if (waiting > 0 && waiting + data.length > FOLLOW_OUTPUT_LIMIT) {
      f.dropped += data.length;
      return;
    }
    this.send({ type: 'DTS_OUTPUT', handle, dropped: f.dropped, data });
    f.dropped = 0;
  }

  /** Once the client has read its output: tells each follow how much it lost meanwhile. */
  private reportDropped(): void {
    for (const [handle, f] of this.follows) {
      if (f.dropped === 0 || this.dead) continue;
      this.send({ type: 'DTS_OUTPUT', handle, dropped: f.dropped, data: Buffer.alloc(0) });
      f.dropped = 0;
    }
  }

  private unfollow(handle: number): void {
    this.follows.get(handle)?.stop();
    this.follows.delete(handle);
  }

  /** DTS_SNAPSHOT: the loaded graph as JSON; NAK from a manager that keeps none. */
  private snapshot(): void {
    const snap = this.ctx.manager.snapshot?.();
    if (snap === undefined) this.reply('NAK');
    else this.send({ type: 'DTS_SNAPSHOT', json: JSON.stringify(snap) });
  }

  private handle(req: Request): void {
    // The extension's requests are unknown, as to upstream, until the client has said hello.
    if (req.type.startsWith('DTS_') && req.type !== 'DTS_HELLO' && !this.extension) {
      return this.badRequest();
    }
    (this.onRequest[req.type] as (r: Request) => void)(req);
  }

  /**
   * DTS_REEXEC: NAK when the manager cannot re-execute now; else ACK, and once the ACK has left,
   * the exec (the connection then closes with the old process). NAK follows the ACK when the exec
   * failed.
   */
  private reexec(): void {
    const go = this.ctx.onReexec?.();
    if (go === undefined) return this.reply('NAK');
    this.send({ type: 'ACK' }, () =>
      this.guard('re-executing', () => {
        go();
        this.reply('NAK');
      }),
    );
  }

  /**
   * The service behind a handle of this connection. For an unknown handle it answers NAK or
   * BADREQ (which closes the connection), as upstream does for that request, and returns
   * undefined.
   */
  private serviceFor(handle: number, ifUnknown: 'NAK' | 'BADREQ'): ServiceRef | undefined {
    const ref = this.handles.get(handle);
    if (!ref) {
      if (ifUnknown === 'NAK') this.reply('NAK');
      else this.badRequest();
    }
    return ref;
  }

  private closeHandle(handle: number): void {
    if (!this.serviceFor(handle, 'BADREQ')) return;
    this.releaseHandle(handle);
    this.reply('ACK');
  }

  private unpin(handle: number): void {
    const ref = this.serviceFor(handle, 'BADREQ');
    if (!ref) return;
    this.ctx.manager.unpin(ref);
    this.reply('ACK');
  }

  private unload(handle: number): void {
    const ref = this.serviceFor(handle, 'BADREQ');
    if (!ref) return;
    // Dinit refuses while another client watches the service (it would be left dangling).
    if (this.ctx.otherHolds(this, ref.name)) return this.reply('NAK');
    if (this.ctx.manager.unload(ref) !== 'ok') return this.reply('NAK');
    this.dropService(ref.name);
    this.ctx.onUnloaded(this, ref.name);
    this.reply('ACK');
  }

  private reload(handle: number): void {
    const ref = this.serviceFor(handle, 'BADREQ');
    if (!ref) return;
    if (this.ctx.otherHolds(this, ref.name)) return this.reply('NAK');
    const r = this.ctx.manager.reload(ref);
    if (!r.ok) {
      this.ctx.log('error', `Could not reload service ${ref.name}: ${r.message}`);
      return this.reply('NAK');
    }
    // As in Dinit, the handle used for the reload is no longer valid afterwards; any other
    // handle this client holds to the service now refers to the reloaded record.
    this.releaseHandle(handle);
    for (const h of this.handlesByName.get(ref.name) ?? []) this.handles.set(h, r.ref);
    this.reply('ACK');
  }

  private shutdown(code: number): void {
    const type = SHUTDOWN_NAMES[code];
    if (type === undefined || type === 'none') return this.badRequest();
    if (this.ctx.onShutdown) this.ctx.onShutdown(type);
    else this.ctx.manager.shutdown(type);
    this.reply('ACK');
  }

  private listServices(format: 1 | 5): void {
    const m = this.ctx.manager;
    // One write for the whole list rather than a system call per service.
    this.socket.cork?.();
    try {
      for (const ref of m.list()) {
        const st = m.status(ref);
        if (st.type === 'placeholder') continue;
        this.send({ type: 'SVCINFO', format, name: st.name, status: toStatusInfo(st, format) });
        if (this.dead) return;
      }
      this.reply('LISTDONE');
    } finally {
      this.socket.uncork?.();
    }
  }

  private serviceStatus(handle: number, format: 1 | 5 | 6): void {
    const ref = this.serviceFor(handle, 'NAK');
    if (!ref) return;
    const status = toStatusInfo(this.ctx.manager.status(ref), format);
    this.send({ type: 'SERVICESTATUS', format, status });
  }

  private serviceName(handle: number): void {
    const ref = this.handles.get(handle);
    if (!ref || ref.name.length > 0xffff) return this.reply('NAK');
    this.send({ type: 'SERVICENAME', name: ref.name });
  }

  private serviceDirectory(handle: number, reserved: number): void {
    const ref = this.handles.get(handle);
    if (!ref || reserved !== 0) return this.reply('NAK');
    const file = this.ctx.manager.status(ref).file;
    this.send({ type: 'SVCDSCDIR', dir: file ? path.dirname(file) : '' });
  }

  private listenEnv(): void {
    if (!this.unlistenEnv) {
      this.unlistenEnv = this.ctx.env.addListener((envVar, overridden) =>
        this.guard('environment event', () => this.send({ type: 'ENVEVENT', overridden, envVar })),
      );
    }
    this.reply('ACK');
  }

  private setTrigger(handle: number, value: number): void {
    const ref = this.serviceFor(handle, 'NAK');
    if (!ref) return;
    this.reply(this.ctx.manager.setTrigger(ref, value !== 0) === 'ok' ? 'ACK' : 'NAK');
  }

  private catlog(handle: number, flags: number): void {
    const ref = this.serviceFor(handle, 'NAK');
    if (!ref) return;
    const data = this.ctx.manager.catlog(ref, (flags & CATLOG_CLEAR) !== 0);
    if (data === 'not-buffered') return this.reply('NAK');
    this.send({ type: 'SERVICE_LOG', flags: 0, data });
  }

  private signal(handle: number, signal: number): void {
    const ref = this.serviceFor(handle, 'NAK');
    if (!ref) return;
    const r = this.ctx.manager.signal(ref, signal);
    switch (r) {
      case 'ok':
        return this.reply('ACK');
      case 'no-pid':
        return this.reply('SIGNAL_NOPID');
      case 'bad-signal':
        this.ctx.log('error', 'Requested signal not in valid signal range.');
        return this.reply('SIGNAL_BADSIG');
      case 'kill-error':
        this.ctx.log('error', `Error sending signal to process of service ${ref.name}`);
        return this.reply('SIGNAL_KILLERR');
      default: {
        const never: never = r;
        throw new Error(`unexpected signal result ${String(never)}`);
      }
    }
  }

  private findLoad(type: 'FINDSERVICE' | 'LOADSERVICE', name: string): void {
    // Dinit's check on names arriving over the socket: not empty, no leading '.' or '@'.
    if (name === '' || name.startsWith('.') || name.startsWith('@')) return this.badRequest();
    const m = this.ctx.manager;
    const found = type === 'LOADSERVICE' ? this.load(name) : m.find(name);
    if (typeof found === 'string') return this.reply(found);
    if (!found) return this.reply('NOSERVICE');
    const handle = this.allocHandle(found);
    if (handle === undefined) return;
    const st = m.status(found);
    this.send({ type: 'SERVICERECORD', state: st.state, handle, targetState: st.targetState });
  }

  /** Loads a service; on failure logs why (naming the failing dependency) and gives the reply. */
  private load(name: string): ServiceRef | 'NOSERVICE' | 'SERVICE_DESC_ERR' | 'SERVICE_LOAD_ERR' {
    try {
      return this.ctx.manager.load(name);
    } catch (e) {
      if (!(e instanceof ServiceLoadError)) {
        // Not a load failure the core describes: still a failed load for this client.
        const why = (e as Error)?.message ?? String(e);
        this.ctx.log('error', `Could not load service ${name}: ${why}`);
        return 'SERVICE_LOAD_ERR';
      }
      // The failing service may be a dependency of the one asked for; Dinit names it.
      const f = e.failure;
      if (f.kind === 'description') {
        this.ctx.log('error', loadFailureMessage(f));
        return 'SERVICE_DESC_ERR';
      }
      if (f.kind === 'not-found') {
        this.ctx.log('error', `Could not load service ${f.name}: service description not found.`);
        return 'NOSERVICE';
      }
      this.ctx.log('error', `Could not load service ${f.name}: ${f.message}`);
      return 'SERVICE_LOAD_ERR';
    }
  }

  /**
   * The common start of STARTSERVICE, STOPSERVICE, WAKESERVICE and RELEASESERVICE: the target
   * (an unknown handle is a bad request), and PREACK when asked for, sent before anything can
   * change state so that the client can tell which events happened before and after.
   */
  private beginStartStop(req: StartStopRequest): ServiceRef | undefined {
    const ref = this.serviceFor(req.handle, 'BADREQ');
    if (ref && (req.flags & SsFlag.PREACK) !== 0) this.reply('PREACK');
    return ref;
  }

  /** ALREADYSS when the service is (still) in the state asked for, else ACK. */
  private ackUnless(ref: ServiceRef, state: ServiceStatus['state']): void {
    this.reply(this.ctx.manager.status(ref).state === state ? 'ALREADYSS' : 'ACK');
  }

  /**
   * STARTSERVICE and WAKESERVICE: refused while shutting down or when pinned stopped; a wake
   * with no active dependent to wake for answers NAK.
   */
  private startOrWake(req: StartStopRequest, how: 'start' | 'wake'): void {
    const ref = this.beginStartStop(req);
    if (!ref) return;
    const m = this.ctx.manager;
    if (m.isShuttingDown()) return this.reply('SHUTTINGDOWN');
    const pin = (req.flags & SsFlag.PIN) !== 0;
    const r = how === 'wake' ? m.wake(ref, { pin }) : m.start(ref, { pin });
    if (r === 'shutting-down') return this.reply('SHUTTINGDOWN');
    if (r === 'pinned-stopped') return this.reply('PINNEDSTOPPED');
    if (m.status(ref).state === 'started') return this.reply('ALREADYSS');
    this.reply(r === 'no-dependents' ? 'NAK' : 'ACK');
  }

  private stop(req: StartStopRequest): void {
    const ref = this.beginStartStop(req);
    if (!ref) return;
    const m = this.ctx.manager;
    const force = (req.flags & SsFlag.GENTLE) === 0;
    if ((req.flags & SsFlag.RESTART) !== 0) {
      if (m.isShuttingDown()) return this.reply('SHUTTINGDOWN');
      const r = m.restart(ref, { force });
      if (r === 'not-started') return this.reply('NAK');
      if (r === 'pinned-started') return this.reply('PINNEDSTARTED');
      if (typeof r === 'object') return this.dependents(r.dependents);
      return this.ackUnless(ref, 'started');
    }
    const r = m.stop(ref, { pin: (req.flags & SsFlag.PIN) !== 0, force });
    if (r === 'pinned-started') return this.reply('PINNEDSTARTED');
    if (typeof r === 'object') return this.dependents(r.dependents);
    this.ackUnless(ref, 'stopped');
  }

  private release(req: StartStopRequest): void {
    const ref = this.beginStartStop(req);
    if (!ref) return;
    this.ctx.manager.release(ref, { pin: (req.flags & SsFlag.PIN) !== 0 });
    this.ackUnless(ref, 'stopped');
  }

  private dependents(refs: ServiceRef[]): void {
    const handles: number[] = [];
    for (const r of refs) {
      const h = this.allocHandle(r);
      if (h === undefined) return;
      handles.push(h);
    }
    this.send({ type: 'DEPENDENTS', handles });
  }

  private depEdit(req: DepEditRequest): void {
    const { type, depType: depCode } = req;
    const m = this.ctx.manager;
    const from = this.handles.get(req.from);
    const to = this.handles.get(req.to);
    if (!from || !to || from.name === to.name) return this.badRequest();
    const depType = DEP_TYPES[depCode];
    if (depType === undefined) return this.badRequest();
    // Asked before the edit: the v7 answer says whether the link was already there.
    const existed =
      type === 'ENABLE_SERVICE_V7' ? (m.hasDependency?.(from, to, depType) ?? false) : false;
    const r =
      type === 'ADD_DEP'
        ? m.addDep(from, to, depType)
        : type === 'REM_DEP'
          ? m.rmDep(from, to, depType)
          : m.enable(from, to);
    if (r === 'ok' && type === 'ENABLE_SERVICE_V7') {
      // Protocol 7 answers with the status of "to" as it is right after the enable (a v6
      // block), so the client needs no separate status query and cannot miss a start event.
      return this.send({
        type: 'SERVICESTATUS',
        format: 6,
        status: toStatusInfo(m.status(to), 6),
        reserved: existed ? 1 : 0,
      });
    }
    if (r === 'ok') return this.reply('ACK');
    if (r === 'bad-request') return this.badRequest();
    this.ctx.log('debug', `${type} ${from.name} -> ${to.name}: ${r.error}`);
    return this.reply('NAK');
  }

  private setenv(envVar: string): void {
    const eq = envVar.indexOf('=');
    if (eq === 0) return this.badRequest();
    if (eq < 0) this.ctx.env.unset(envVar);
    else this.ctx.env.set(envVar);
    this.reply('ACK');
  }
}

function safeCwd(ctx: ConnContext): string {
  try {
    return ctx.cwd();
  } catch {
    // Dinit reports an empty directory when getcwd() fails.
    return '';
  }
}
