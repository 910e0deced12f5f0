// The control server: listens on the control socket (mode 0600), accepts connections up to
// what the fd limit allows (or an optional cap), hands each to a ControlConn, and broadcasts service events to every connection
// holding a handle to the service. It talks to the core only through ServiceManager.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { ServiceListener, ServiceManager, ServiceRef, ServiceStatus } from '../core/api';
import { type ConnContext, ControlConn, type ControlLogLevel } from './control-conn';
import { toStatusInfo } from './control-status';
import type { StatusInfo } from '../protocol/status';
import type { EnvStore } from './env-store';
import type { ServiceEvent, ShutdownType } from '../model';
import { ControlSocketError } from '../errors';
import { fromText, toBytes, toText } from '../bytes';

/** Replies waiting per connection before it stops taking requests: Dinit's OUTBUF_LIMIT. */
const OUTPUT_HIGH_WATER = 16 * 1024;

export type { ControlLogLevel } from './control-conn';

export interface ControlServerOptions {
  /** Service directories reported by QUERY_LOAD_MECH, as configured (may be relative). */
  serviceDirs: string[];
  /**
   * Called for an accepted SHUTDOWN request; the daemon then stops services itself. Without it
   * the server calls manager.shutdown(type).
   */
  onShutdown?(type: ShutdownType): void;
  /** dinitctl daemon-reexec (see ConnContext.onReexec); without it the request gets NAK. */
  onReexec?(): (() => void) | undefined;
  log(level: ControlLogLevel, msg: string): void;
  /**
   * Most simultaneous connections; further ones are closed at once. Default: no cap below the
   * process's fd limit (idle monitors and shells are normal; each costs one fd and a few KiB).
   */
  maxConnections?: number;
  /** Drop a connection that leaves more than this much output unread (default 8 MiB). */
  maxOutputBytes?: number;
  /** Most handles per connection (default 65536). */
  maxHandles?: number;
  /**
   * The process's fd limit (default: read from /proc/self/limits where it exists). Near it,
   * new connections are refused so that services and logs keep the fds they need.
   */
  fdLimit?: () => number | undefined;
  /** Working directory reported by QUERY_LOAD_MECH (default process.cwd). */
  cwd?: () => string;
}

export class ControlServer {
  private server: net.Server | undefined;
  private socketPath: string | undefined;
  private readonly conns = new Set<ControlConn>();
  private readonly ctx: ConnContext;
  private readonly listener: ServiceListener;
  private readonly maxConnections: number;
  private detached = false;
  /** Out of fds on accept: logged once, until an accept succeeds again. */
  private fdStarved = false;
  /** The fd limit read at listen(); near it new connections are refused. */
  private fdLimit = Infinity;

  constructor(
    private readonly manager: ServiceManager,
    private readonly env: EnvStore,
    private readonly opts: ControlServerOptions,
  ) {
    this.maxConnections = opts.maxConnections ?? Infinity;
    const conns = this.conns;
    this.ctx = {
      manager,
      env,
      serviceDirs: opts.serviceDirs,
      log: (level, msg) => this.safeLog(level, msg),
      onShutdown: opts.onShutdown,
      onReexec: opts.onReexec,
      cwd: opts.cwd ?? (() => fromText(process.cwd())),
      maxOutputBytes: opts.maxOutputBytes ?? 8 * 1024 * 1024,
      maxHandles: opts.maxHandles ?? 65536,
      otherHolds: (conn, name) => {
        for (const c of conns) if (c !== conn && c.holds(name)) return true;
        return false;
      },
      onUnloaded: (conn, name) => {
        for (const c of conns) if (c !== conn) c.dropService(name);
      },
      removed: (conn) => {
        conns.delete(conn);
      },
    };
    this.listener = {
      // Checked here: broadcast's closures cost an allocation at each call, connections or not.
      onServiceEvent: (ref, event, status) => {
        if (this.conns.size !== 0) this.broadcast(ref, event, status);
      },
    };
    manager.addListener(this.listener);
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /**
   * Creates the socket at `path` with mode 0600 and starts accepting connections. Any file
   * already at `path` is removed first, as Dinit does: the caller checks beforehand that no
   * daemon is answering there. Calling it again (SIGUSR1) re-opens the socket.
   * Rejects with ControlSocketError (errnoCode e.g. EACCES, or EADDRINUSE for a directory).
   */
  async listen(socketPath: string): Promise<void> {
    await this.closeListener();
    checkSocketPath(socketPath);
    // Node binds a path given as text, which it encodes as UTF-8.
    const listenPath = toText(socketPath);
    if (listenPath === undefined) {
      throw socketError(socketPath, 'EINVAL', 'path is not valid UTF-8 (not supported)');
    }
    removeStaleSocket(socketPath);
    this.fdLimit = (this.opts.fdLimit ?? readFdLimit)() ?? Infinity;
    // Connections stop taking requests once 16 KiB of replies wait (Dinit's OUTBUF_LIMIT); set it
    // here because the stream default that gave it grew to 64 KiB in Node 22.
    const server = net.createServer(
      { allowHalfOpen: false, highWaterMark: OUTPUT_HIGH_WATER },
      (s) => this.accept(s),
    );
    // Create the socket with its final mode, 0600, from the start: no window where others could
    // connect, and no moment where it shows another mode.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException): void => {
          const code = bindErrorCode(socketPath, e.code);
          reject(socketError(socketPath, code, e.message));
        };
        server.once('error', onError);
        server.listen(listenPath, () => {
          server.off('error', onError);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    try {
      fs.chmodSync(toBytes(socketPath), 0o600);
    } catch {
      // The umask already gave 0600; chmod only guards against an unusual umask handling.
    }
    server.on('error', (e) => this.onServerError(e));
    this.server = server;
    this.socketPath = socketPath;
  }

  /**
   * Stops listening and removes the socket file, synchronously (the promise is already settled
   * when this returns); open connections stay open.
   */
  async closeListener(): Promise<void> {
    const server = this.server;
    const p = this.socketPath;
    this.server = undefined;
    this.socketPath = undefined;
    if (!server) return;
    // Do not wait for the 'close' event: it only fires once every accepted connection has
    // ended, and open connections are meant to survive a re-open of the socket.
    server.close();
    if (p) {
      try {
        fs.unlinkSync(toBytes(p));
      } catch {
        // Already gone (net.Server removes it on close on some platforms).
      }
    }
  }

  /**
   * Stops listening, removes the socket file, closes every connection and detaches from the
   * manager: what the daemon calls once it has decided to exit. The first three happen before
   * close() returns its promise, in that order (as Dinit closes and unlinks the socket at exit):
   * from then on a client finds no socket (ENOENT) rather than a connection that is about to
   * close. Safe to call more than once.
   */
  close(): Promise<void> {
    const listening = this.closeListener();
    this.closeConnections();
    if (!this.detached) {
      this.detached = true;
      this.manager.removeListener(this.listener);
    }
    return listening;
  }

  /** Closes every open connection (clients waiting after SHUTDOWN see the close). */
  closeConnections(): void {
    for (const c of [...this.conns]) c.destroy();
    this.conns.clear();
  }

  /**
   * Running out of fds is logged once, until a connection is accepted again. The existing
   * connections are served as before; a new one is closed at once (the client sees a close,
   * not a hang), and accepting resumes by itself once connections or services free fds.
   */
  private fdShortage(starved: boolean, why: string): void {
    if (starved === this.fdStarved) return;
    this.fdStarved = starved;
    if (starved) {
      this.safeLog('error', `Out of file descriptors (${why}): refusing new control connections`);
    } else
      this.safeLog('notice', 'File descriptors available again: accepting control connections');
  }

  private onServerError(e: NodeJS.ErrnoException): void {
    // libuv itself closes what waits in the backlog on EMFILE; this reports what it passes on.
    if (e.code === 'EMFILE' || e.code === 'ENFILE') this.fdShortage(true, e.message);
    else this.safeLog('error', `control socket error: ${e.message}`);
  }

  private accept(s: net.Socket): void {
    const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    // Fds are allocated lowest first: a high one means nearly all below it are in use. Control
    // connections may not take the last few fds from services once they hold many of them.
    const reserve = fdReserve(this.fdLimit);
    if (fd >= this.fdLimit - reserve && this.conns.size >= reserve) {
      this.fdShortage(true, `fd ${fd} with a limit of ${this.fdLimit}`);
      s.destroy();
      return;
    }
    this.fdShortage(false, '');
    try {
      if (this.conns.size >= this.maxConnections) {
        this.safeLog('warn', 'Too many control connections; refusing a new one');
        s.destroy();
        return;
      }
      this.conns.add(new ControlConn(s, this.ctx));
    } catch (e) {
      this.safeLog(
        'error',
        `internal error accepting control connection: ${(e as Error)?.message}`,
      );
      s.destroy();
    }
  }

  private broadcast(ref: ServiceRef, event: ServiceEvent, status: () => ServiceStatus): void {
    try {
      // Built once, and only when some connection holds a handle to the service.
      let infos: [StatusInfo, StatusInfo] | undefined;
      const statusInfos = (): [StatusInfo, StatusInfo] =>
        (infos ??= [toStatusInfo(status(), 5), toStatusInfo(status(), 1)]);
      for (const c of [...this.conns]) {
        try {
          c.serviceEvent(ref.name, event, statusInfos);
        } catch (e) {
          this.safeLog(
            'error',
            `internal error sending service event: ${(e as Error)?.stack ?? String(e)}`,
          );
          c.destroy();
        }
      }
    } catch (e) {
      // Never throw back into the core's event emission.
      this.safeLog('error', `internal error broadcasting service event: ${(e as Error)?.message}`);
    }
  }

  private safeLog(level: ControlLogLevel, msg: string): void {
    try {
      this.opts.log(level, msg);
    } catch {
      // A failing log sink must not take the control server down.
    }
  }
}

/** Fds kept free for services, logs and the daemon itself when connections pile up. */
function fdReserve(limit: number): number {
  return limit === Infinity ? Infinity : Math.max(8, Math.floor(limit / 16));
}

/** The soft RLIMIT_NOFILE from /proc/self/limits, or undefined where that file is missing. */
function readFdLimit(): number | undefined {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'latin1')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const n = Number(line?.split(/\s+/)[3]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Longest socket path bind(2) takes, in bytes: sun_path holds 108 bytes with the final NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

function socketError(
  socketPath: string,
  code: string | undefined,
  msg: string,
): ControlSocketError {
  return new ControlSocketError(socketPath, code, `creating control socket ${socketPath}: ${msg}`);
}

/**
 * Refuses a path bind(2) cannot take whole (Node would silently truncate it and listen on
 * another path): EINVAL, as upstream reports it.
 */
function checkSocketPath(socketPath: string): void {
  if (socketPath.length > MAX_SOCKET_PATH_BYTES) {
    throw socketError(socketPath, 'EINVAL', `path longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
  }
}

/**
 * libuv reports a missing directory as EACCES; give the real cause (ENOENT) when the socket's
 * directory does not exist.
 */
function bindErrorCode(socketPath: string, code: string | undefined): string | undefined {
  if (code !== 'EACCES') return code;
  try {
    fs.statSync(toBytes(path.dirname(socketPath)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'ENOENT';
  }
  return code;
}

/**
 * Removes whatever file is at the socket path, as Dinit does before bind (it has already
 * checked that no daemon answers there). A directory is left for bind to fail on.
 */
function removeStaleSocket(p: string): void {
  try {
    if (!fs.lstatSync(toBytes(p)).isDirectory()) fs.unlinkSync(toBytes(p));
  } catch {
    // Nothing there (or not removable): bind reports the real problem.
  }
}
