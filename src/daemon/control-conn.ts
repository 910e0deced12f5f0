// One control connection: buffers and decodes requests, keeps this client's handle table
// (handle <-> service), calls the ServiceManager and answers exactly as Dinit's control.cc
// does. A malformed request gets BADREQ and the connection closes; nothing here throws out
// of a socket callback.

import * as path from 'node:path';
import { type ServiceManager, type ServiceRef, type ServiceStatus } from '../core/api';
import { loadFailureMessage } from './daemon';
import {
  CATLOG_CLEAR,
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
  write(b: Buffer): boolean;
  end(cb?: () => void): unknown;
  destroy(): void;
  pause(): void;
  resume(): void;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  on(ev: 'data', cb: (d: Buffer) => void): unknown;
  on(ev: 'drain' | 'close', cb: () => void): unknown;
  on(ev: 'error', cb: (e: Error) => void): unknown;
}

/** Upstream's receive buffer size: no request may be longer. */
const INPUT_LIMIT = 1024;

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
   * (Dinit sends both, newest first). The status blocks are computed once by the caller.
   */
  serviceEvent(name: string, event: ServiceEvent, status5: StatusInfo, status1: StatusInfo): void {
    const hs = this.handlesByName.get(name);
    if (!hs || this.dead) return;
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
        // high-water mark is the stream default, 16 KiB, the same as Dinit's OUTBUF_LIMIT; a
        // 'drain' event is then guaranteed to resume us.
        this.throttled = true;
        this.socket.pause();
      }
    }
    if (this.inBuf.length === 0) this.inBuf = Buffer.alloc(0);
  }

  // ---- output ----

  private send(p: Reply | Parameters<typeof encodeReply>[0]): void {
    if (this.dead || this.socket.destroyed) return;
    // The bound applies to output already waiting, so one large reply (a catlog of a big log
    // buffer) still goes out whole; a client that stops reading is dropped at the next packet.
    if (this.socket.writableLength > this.ctx.maxOutputBytes) {
      this.ctx.log('warn', 'Control connection is not reading its output; dropping connection');
      this.destroy();
      return;
    }
    this.socket.write(encodeReply(p));
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
    this.handles.delete(h);
    const set = this.handlesByName.get(ref.name);
    set?.delete(h);
    if (set && set.size === 0) this.handlesByName.delete(ref.name);
  }

  // ---- requests ----

  private handle(req: Request): void {
    const m = this.ctx.manager;
    switch (req.type) {
      case 'QUERYVERSION':
        return this.send({
          type: 'CPVERSION',
          minVersion: MIN_COMPAT_VERSION,
          version: PROTOCOL_VERSION,
        });
      case 'FINDSERVICE':
      case 'LOADSERVICE':
        return this.findLoad(req.type, req.name);
      case 'CLOSEHANDLE': {
        if (!this.handles.has(req.handle)) return this.badRequest();
        this.releaseHandle(req.handle);
        return this.reply('ACK');
      }
      case 'STARTSERVICE':
      case 'STOPSERVICE':
      case 'WAKESERVICE':
      case 'RELEASESERVICE':
        return this.startStop(req.type, req.flags, req.handle);
      case 'UNPINSERVICE': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.badRequest();
        m.unpin(ref);
        return this.reply('ACK');
      }
      case 'UNLOADSERVICE': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.badRequest();
        // Dinit refuses while another client watches the service (it would be left dangling).
        if (this.ctx.otherHolds(this, ref.name)) return this.reply('NAK');
        const r = m.unload(ref);
        if (r !== 'ok') return this.reply('NAK');
        this.dropService(ref.name);
        this.ctx.onUnloaded(this, ref.name);
        return this.reply('ACK');
      }
      case 'RELOADSERVICE': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.badRequest();
        if (this.ctx.otherHolds(this, ref.name)) return this.reply('NAK');
        const r = m.reload(ref);
        if (!r.ok) {
          this.ctx.log('error', `Could not reload service ${ref.name}: ${r.message}`);
          return this.reply('NAK');
        }
        // As in Dinit, the handle used for the reload is no longer valid afterwards; any other
        // handle this client holds to the service now refers to the reloaded record.
        this.releaseHandle(req.handle);
        for (const h of this.handlesByName.get(ref.name) ?? []) this.handles.set(h, r.ref);
        return this.reply('ACK');
      }
      case 'SHUTDOWN': {
        const type = SHUTDOWN_NAMES[req.shutdownType];
        if (type === undefined || type === 'none') return this.badRequest();
        if (this.ctx.onShutdown) this.ctx.onShutdown(type);
        else m.shutdown(type);
        return this.reply('ACK');
      }
      case 'LISTSERVICES':
      case 'LISTSERVICES5': {
        const format = req.type === 'LISTSERVICES5' ? 5 : 1;
        for (const ref of m.list()) {
          const st = m.status(ref);
          if (st.type === 'placeholder') continue;
          this.send({ type: 'SVCINFO', format, name: st.name, status: toStatusInfo(st, format) });
          if (this.dead) return;
        }
        return this.reply('LISTDONE');
      }
      case 'SERVICESTATUS':
      case 'SERVICESTATUS5':
      case 'SERVICESTATUS6': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.reply('NAK');
        const format = req.type === 'SERVICESTATUS6' ? 6 : req.type === 'SERVICESTATUS5' ? 5 : 1;
        return this.send({
          type: 'SERVICESTATUS',
          format,
          status: toStatusInfo(m.status(ref), format),
        });
      }
      case 'ADD_DEP':
      case 'REM_DEP':
      case 'ENABLESERVICE':
      case 'ENABLE_SERVICE_V7':
        return this.depEdit(req.type, req.depType, req.from, req.to);
      case 'QUERY_LOAD_MECH':
        return this.send({
          type: 'LOADER_MECH',
          loaderType: SSET_TYPE_DIRLOAD,
          cwd: safeCwd(this.ctx),
          dirs: this.ctx.serviceDirs,
        });
      case 'QUERYSERVICENAME': {
        const ref = this.handles.get(req.handle);
        if (!ref || Buffer.byteLength(ref.name) > 0xffff) return this.reply('NAK');
        return this.send({ type: 'SERVICENAME', name: ref.name });
      }
      case 'SETENV':
        return this.setenv(req.envVar);
      case 'GETALLENV':
        if (req.reserved !== 0) return this.badRequest();
        return this.send({ type: 'ALLENV', vars: this.ctx.env.entries() });
      case 'LISTENENV':
        if (!this.unlistenEnv) {
          this.unlistenEnv = this.ctx.env.addListener((envVar, overridden) =>
            this.guard('environment event', () =>
              this.send({ type: 'ENVEVENT', overridden, envVar }),
            ),
          );
        }
        return this.reply('ACK');
      case 'SETTRIGGER': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.reply('NAK');
        return this.reply(m.setTrigger(ref, req.value !== 0) === 'ok' ? 'ACK' : 'NAK');
      }
      case 'CATLOG': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.reply('NAK');
        const data = m.catlog(ref, (req.flags & CATLOG_CLEAR) !== 0);
        if (data === 'not-buffered') return this.reply('NAK');
        return this.send({ type: 'SERVICE_LOG', flags: 0, data });
      }
      case 'SIGNAL': {
        const ref = this.handles.get(req.handle);
        if (!ref) return this.reply('NAK');
        const r = m.signal(ref, req.signal);
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
      case 'QUERYSERVICEDSCDIR': {
        const ref = this.handles.get(req.handle);
        if (!ref || req.reserved !== 0) return this.reply('NAK');
        const file = m.status(ref).file;
        return this.send({ type: 'SVCDSCDIR', dir: file ? path.dirname(file) : '' });
      }
      default: {
        const never: never = req;
        throw new Error(`unhandled request ${(never as Request).type}`);
      }
    }
  }

  private findLoad(type: 'FINDSERVICE' | 'LOADSERVICE', name: string): void {
    // Dinit's check on names arriving over the socket: not empty, no leading '.' or '@'.
    if (name === '' || name.startsWith('.') || name.startsWith('@')) return this.badRequest();
    const m = this.ctx.manager;
    let ref: ServiceRef | undefined;
    let fail: 'NOSERVICE' | 'SERVICE_DESC_ERR' | 'SERVICE_LOAD_ERR' = 'NOSERVICE';
    if (type === 'LOADSERVICE') {
      try {
        ref = m.load(name);
      } catch (e) {
        if (!(e instanceof ServiceLoadError)) {
          // Not a load failure the core describes: still a failed load for this client.
          this.ctx.log(
            'error',
            `Could not load service ${name}: ${(e as Error)?.message ?? String(e)}`,
          );
          fail = 'SERVICE_LOAD_ERR';
        } else {
          const f = e.failure;
          // The failing service may be a dependency of the one asked for; Dinit names it.
          if (f.kind === 'description') {
            fail = 'SERVICE_DESC_ERR';
            this.ctx.log('error', loadFailureMessage(f));
          } else if (f.kind === 'not-found') {
            fail = 'NOSERVICE';
            this.ctx.log(
              'error',
              `Could not load service ${f.name}: service description not found.`,
            );
          } else {
            fail = 'SERVICE_LOAD_ERR';
            this.ctx.log('error', `Could not load service ${f.name}: ${f.message}`);
          }
        }
      }
    } else {
      ref = m.find(name);
    }
    if (!ref) return this.reply(fail);
    const handle = this.allocHandle(ref);
    if (handle === undefined) return;
    const st = m.status(ref);
    this.send({ type: 'SERVICERECORD', state: st.state, handle, targetState: st.targetState });
  }

  private startStop(
    type: 'STARTSERVICE' | 'STOPSERVICE' | 'WAKESERVICE' | 'RELEASESERVICE',
    flags: number,
    handle: number,
  ): void {
    const m = this.ctx.manager;
    const ref = this.handles.get(handle);
    if (!ref) return this.badRequest();
    const pin = (flags & SsFlag.PIN) !== 0;
    // PREACK goes out before anything can change state, so the client can tell which events
    // happened before and after this command.
    if ((flags & SsFlag.PREACK) !== 0) this.reply('PREACK');
    const stateIs = (s: ServiceStatus['state']): boolean => m.status(ref).state === s;

    switch (type) {
      case 'STARTSERVICE': {
        if (m.isShuttingDown()) return this.reply('SHUTTINGDOWN');
        const r = m.start(ref, { pin });
        if (r === 'shutting-down') return this.reply('SHUTTINGDOWN');
        if (r === 'pinned-stopped') return this.reply('PINNEDSTOPPED');
        return this.reply(stateIs('started') ? 'ALREADYSS' : 'ACK');
      }
      case 'STOPSERVICE': {
        const restart = (flags & SsFlag.RESTART) !== 0;
        const force = (flags & SsFlag.GENTLE) === 0;
        if (restart) {
          if (m.isShuttingDown()) return this.reply('SHUTTINGDOWN');
          const r = m.restart(ref, { force });
          if (r === 'not-started') return this.reply('NAK');
          if (r === 'pinned-started') return this.reply('PINNEDSTARTED');
          if (typeof r === 'object') return this.dependents(r.dependents);
          return this.reply(stateIs('started') ? 'ALREADYSS' : 'ACK');
        }
        const r = m.stop(ref, { pin, force });
        if (r === 'pinned-started') return this.reply('PINNEDSTARTED');
        if (typeof r === 'object') return this.dependents(r.dependents);
        return this.reply(stateIs('stopped') ? 'ALREADYSS' : 'ACK');
      }
      case 'WAKESERVICE': {
        if (m.isShuttingDown()) return this.reply('SHUTTINGDOWN');
        const r = m.wake(ref, { pin });
        if (r === 'shutting-down') return this.reply('SHUTTINGDOWN');
        if (r === 'pinned-stopped') return this.reply('PINNEDSTOPPED');
        if (stateIs('started')) return this.reply('ALREADYSS');
        return this.reply(r === 'no-dependents' ? 'NAK' : 'ACK');
      }
      case 'RELEASESERVICE': {
        m.release(ref, { pin });
        return this.reply(stateIs('stopped') ? 'ALREADYSS' : 'ACK');
      }
      default: {
        const never: never = type;
        throw new Error(`unhandled ${String(never)}`);
      }
    }
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

  private depEdit(
    type: 'ADD_DEP' | 'REM_DEP' | 'ENABLESERVICE' | 'ENABLE_SERVICE_V7',
    depCode: number,
    fromH: number,
    toH: number,
  ): void {
    const m = this.ctx.manager;
    const from = this.handles.get(fromH);
    const to = this.handles.get(toH);
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
