// The daemon's own log: service status lines and messages on the console, and the main log
// (syslog by default, a file given with -l). Output is queued in bounded buffers and written
// asynchronously, so a slow or stuck console never blocks the event loop; when a buffer is full,
// messages are dropped and a visible marker line takes their place.

import * as fs from 'node:fs';
import { LOG_LEVEL_RANK, type LogLevel } from './options';
import { outputByteString, toBytes } from '../bytes';

/** The line written in place of messages dropped because a log buffer was full. */
export const DISCARD_MARKER = 'dinit: *** log message discarded due to full buffer ***\n';

/** Default bound of each log buffer, in bytes of queued text. */
const DEFAULT_LOG_BUFFER_BYTES = 16 * 1024;

/** Delay before retrying a write that would have blocked (EAGAIN on a non-blocking fd). */
const RETRY_MS = 20;

/** Upstream's strerror() text for a Node system error: the libuv message, capitalised. */
export function errnoMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.errno === 'number') {
    try {
      // util is already loaded by Node itself; requiring it here costs nothing.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const entry = (require('node:util') as typeof import('node:util'))
        .getSystemErrorMap()
        .get(e.errno);
      if (entry !== undefined) return entry[1].charAt(0).toUpperCase() + entry[1].slice(1);
    } catch {
      // Fall through to the message.
    }
  }
  return e?.message ?? String(err);
}

/** strerror() text for an errno name such as 'ENOENT' (the name itself when unknown). */
export function messageForErrnoCode(code: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { constants } = require('node:os') as typeof import('node:os');
  const n = (constants.errno as Record<string, number | undefined>)[code];
  // libuv's error numbers are the negated errno values.
  return n === undefined ? code : errnoMessage({ errno: -n, message: code });
}

/**
 * An append-only text stream to a file descriptor, written in the background with at most one
 * write in flight. Holds at most `capacity` bytes; beyond that, messages are dropped and
 * DISCARD_MARKER is queued once per run of drops. A write error other than EAGAIN/EINTR stops
 * the stream (later messages are dropped silently, as the destination is gone).
 *
 * A datagram stream (the syslog socket) writes each message on its own, so that each is one
 * datagram; when the socket fails (the log daemon went away) it is closed and the stream goes
 * back to holding messages, the failed one first, until attach() gives it a new socket.
 */
export class BufferedLogStream {
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private markerQueued = false;
  private dead = false;
  private fd: number | undefined;
  private waiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private paused = false;

  /**
   * @param fd destination, or undefined to hold messages until attach() is called
   * @param capacity bound on queued bytes
   * @param closeOnEnd close the fd when the stream stops (not for stdout/stderr)
   */
  constructor(
    fd: number | undefined,
    private readonly capacity = DEFAULT_LOG_BUFFER_BYTES,
    private closeOnEnd = false,
    private readonly datagram = false,
  ) {
    this.fd = fd;
  }

  /** Start writing to fd (messages queued so far go out first). */
  attach(fd: number, closeOnEnd: boolean): void {
    this.fd = fd;
    this.closeOnEnd = closeOnEnd;
    this.dead = false;
    this.pump();
  }

  /**
   * Hold further output (messages keep queueing, within the bound) until resume(); a write
   * already in flight completes.
   */
  pause(): void {
    this.paused = true;
  }

  /** Deliver held output again. */
  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** True while the stream can still deliver messages. */
  get alive(): boolean {
    return !this.dead;
  }

  /** True while the stream has a destination (not holding messages for a later attach()). */
  get attached(): boolean {
    return !this.dead && this.fd !== undefined;
  }

  /** Queue one complete message (ending in '\n'). Returns false if it was dropped. */
  push(text: string): boolean {
    if (this.dead) return false;
    // Queued as a byte string (names are bytes; our own text beyond latin1 as UTF-8).
    text = outputByteString(text);
    const len = text.length;
    if (this.queuedBytes + len > this.capacity) {
      if (!this.markerQueued) {
        // The marker is allowed past the bound so the reader always sees that something is missing.
        this.markerQueued = true;
        this.queue.push(DISCARD_MARKER);
        this.queuedBytes += DISCARD_MARKER.length;
      }
      return false;
    }
    this.markerQueued = false;
    this.queue.push(text);
    this.queuedBytes += len;
    this.pump();
    return true;
  }

  /** True when nothing is queued or in flight. */
  isFlushed(): boolean {
    return this.dead || this.fd === undefined || (this.queue.length === 0 && !this.writing);
  }

  /** Resolves when everything queued has been written, or after timeoutMs, whichever is first. */
  flush(timeoutMs: number): Promise<void> {
    if (this.isFlushed()) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** Stop the stream, dropping anything still queued; closes the fd if it owns it. */
  close(): void {
    this.stop();
  }

  private stop(): void {
    this.dead = true;
    this.queue = [];
    this.queuedBytes = 0;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.fd !== undefined && this.closeOnEnd && !this.writing) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already closed; nothing to do.
      }
      this.fd = undefined;
    }
    this.wake();
  }

  private wake(): void {
    if (!this.isFlushed()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private pump(): void {
    if (this.writing || this.paused || this.dead || this.fd === undefined) return;
    if (this.queue.length === 0) return;
    if (this.retryTimer !== undefined) return;
    // One message per write on a datagram socket: each write is one datagram.
    const text = this.datagram ? (this.queue.shift() as string) : this.queue.join('');
    if (!this.datagram) this.queue = [];
    const buf = toBytes(text);
    this.writing = true;
    const fd = this.fd;
    fs.write(fd, buf, 0, buf.length, null, (err, written) => {
      this.writing = false;
      try {
        if (err) {
          if (err.code === 'EAGAIN' || err.code === 'EINTR') {
            this.requeueFront(buf.toString('latin1'));
            this.retryTimer = setTimeout(() => {
              this.retryTimer = undefined;
              this.pump();
            }, RETRY_MS);
            this.retryTimer.unref();
            return;
          }
          if (this.datagram) this.detach(buf.toString('latin1'));
          else this.stop();
          return;
        }
        // A datagram is sent whole or not at all.
        const sent = this.datagram ? buf.length : written;
        this.queuedBytes -= sent;
        if (sent < buf.length) this.requeueFront(buf.subarray(written).toString('latin1'));
        if (this.dead) {
          this.stop();
          return;
        }
        this.pump();
        this.wake();
      } catch {
        // A log stream must never throw into the event loop.
        this.dead = true;
      }
    });
  }

  /** The socket failed: close it and hold messages (this one first) until the next attach(). */
  private detach(unsent: string): void {
    this.requeueFront(unsent);
    const fd = this.fd;
    this.fd = undefined;
    try {
      if (fd !== undefined && this.closeOnEnd) fs.closeSync(fd);
    } catch {
      // Already closed; nothing to do.
    }
    this.wake();
  }

  private requeueFront(text: string): void {
    this.queue.unshift(text);
  }
}

/** What the daemon's log needs to know at construction. */
export interface DaemonLogOptions {
  consoleLevel: LogLevel;
  mainLevel: LogLevel;
  /** Show "[  OK  ] name" style lines on the console (off with -q). */
  consoleServiceStatus: boolean;
  /** Console file descriptor (default 1, stdout). */
  consoleFd?: number;
  /** True when a main log (-l file) will be attached, so its messages are held until then. */
  mainLogPending?: boolean;
  /**
   * The main log is syslog (no -l): messages carry a "<priority>" prefix and are held until
   * connectSyslog() reaches the log daemon.
   */
  syslog?: boolean;
  bufferBytes?: number;
}

/** syslog's facility LOG_DAEMON, shifted into place. */
const LOG_DAEMON = 3 << 3;

/** syslog severities of our levels (LOG_DEBUG, LOG_NOTICE, LOG_WARNING, LOG_ERR; LOG_CRIT). */
const SYSLOG_SEVERITY: Record<LogLevel, number> = {
  debug: 7,
  notice: 5,
  warn: 4,
  error: 3,
  none: 2,
};

/**
 * The daemon's log: two streams (console and main log) with their own level thresholds.
 * General messages are prefixed "dinit: "; service status lines follow upstream's console
 * format ("[  OK  ] name", "[FAILED] name", "[STOPPD] name") and, in the main log,
 * "dinit: service name started." and so on. A syslog main log sends each message as one
 * datagram "<pri>dinit: text\n" (facility daemon), as upstream does.
 */
export class DaemonLog {
  readonly console: BufferedLogStream;
  readonly main: BufferedLogStream | undefined;
  private consoleRank: number;
  private readonly mainRank: number;
  private readonly statusLines: boolean;
  private consoleGeneration = 0;
  private readonly syslog: boolean;

  constructor(opts: DaemonLogOptions) {
    const bytes = opts.bufferBytes ?? DEFAULT_LOG_BUFFER_BYTES;
    this.console = new BufferedLogStream(opts.consoleFd ?? 1, bytes, false);
    this.syslog = opts.syslog === true && !opts.mainLogPending;
    this.main =
      opts.mainLogPending || this.syslog
        ? new BufferedLogStream(undefined, bytes, true, this.syslog)
        : undefined;
    this.consoleRank = LOG_LEVEL_RANK[opts.consoleLevel];
    this.mainRank = LOG_LEVEL_RANK[opts.mainLevel];
    this.statusLines = opts.consoleServiceStatus;
  }

  /**
   * Open the main log file (O_APPEND|O_CREAT|O_NONBLOCK, mode 0644). Returns undefined on
   * success, or the error text after logging "Opening log file failed: <reason>".
   */
  openLogFile(path: string): string | undefined {
    try {
      const c = fs.constants;
      const flags = c.O_WRONLY | c.O_CREAT | c.O_APPEND | c.O_NONBLOCK;
      const fd = fs.openSync(toBytes(path), flags, 0o644);
      (this.main ?? this.ensureMain()).attach(fd, true);
      return undefined;
    } catch (err) {
      const reason = errnoMessage(err);
      this.log('error', `Opening log file failed: ${reason}`);
      return reason;
    }
  }

  /**
   * Connect the syslog main log (a starts-log service has started): `connect` gives a datagram
   * socket's fd or -errno. Held messages go out first. A failure is silent, as upstream's: the
   * log daemon may not be up yet, and messages stay held for the next attempt. Returns whether
   * the main log is connected.
   */
  connectSyslog(connect: () => number): boolean {
    const main = this.main;
    if (!this.syslog || main === undefined) return false;
    if (main.attached) return true;
    const fd = connect();
    if (fd < 0) return false;
    main.attach(fd, true);
    return true;
  }

  /** True when the main log is a file (-l) that is open, or a connected syslog socket. */
  get mainAttached(): boolean {
    return this.main?.attached === true;
  }

  /** The "<pri>" prefix of a syslog line at this level, else ''. */
  private priority(level: LogLevel): string {
    return this.syslog ? `<${LOG_DAEMON | SYSLOG_SEVERITY[level]}>` : '';
  }

  private ensureMain(): BufferedLogStream {
    const m = new BufferedLogStream(undefined, DEFAULT_LOG_BUFFER_BYTES, true);
    (this as { main: BufferedLogStream | undefined }).main = m;
    return m;
  }

  /**
   * Log "dinit: <message>" to each stream whose threshold the level reaches; with toConsole
   * false, to the main log only.
   */
  log(level: LogLevel, message: string, toConsole = true): void {
    if (level === 'none') return;
    const rank = LOG_LEVEL_RANK[level];
    const onConsole = toConsole && rank >= this.consoleRank;
    const inMain = this.logsMain(level);
    if (!onConsole && !inMain) return;
    const line = `dinit: ${message}\n`;
    if (onConsole) this.console.push(line);
    if (inMain) this.main?.push(this.priority(level) + line);
  }

  /** Log from the core/adapters through the Os port (its 'info' is our 'notice'). */
  osLog(level: 'debug' | 'info' | 'notice' | 'warn' | 'error', message: string): void {
    this.log(level === 'info' ? 'notice' : level, message);
  }

  /** "[  OK  ] name" on the console, "service name started." in the main log. */
  serviceStarted(name: string): void {
    this.serviceLine(name, 'notice', '[  OK  ]', 'notice', 'started');
  }

  /** "[FAILED] name"; a failure caused by a dependency counts as a warning on the console. */
  serviceFailed(name: string, depFailed: boolean): void {
    this.serviceLine(name, depFailed ? 'warn' : 'error', '[FAILED]', 'error', 'failed to start');
  }

  /** "[STOPPD] name" on the console, "service name stopped." in the main log. */
  serviceStopped(name: string): void {
    this.serviceLine(name, 'notice', '[STOPPD]', 'notice', 'stopped');
  }

  /**
   * "<tag> name" on the console and "service name <what>." in the main log, each built only when
   * its stream takes it: most are for nobody (a quiet daemon, a thousand services).
   */
  private serviceLine(
    name: string,
    statusLevel: LogLevel,
    tag: string,
    mainLevel: LogLevel,
    what: string,
  ): void {
    if (this.statusLines || LOG_LEVEL_RANK[statusLevel] >= this.consoleRank) {
      this.console.push(`${tag} ${name}\n`);
    }
    if (this.logsMain(mainLevel)) {
      this.main?.push(`${this.priority(mainLevel)}dinit: service ${name} ${what}.\n`);
    }
  }

  /** Whether a line at this level goes to the main log. */
  private logsMain(level: LogLevel): boolean {
    return this.main !== undefined && LOG_LEVEL_RANK[level] >= this.mainRank;
  }

  /**
   * Mute the console while a service uses it (runs-on-console / starts-on-console): pending
   * console output is written first (for at most a second, so a stuck terminal cannot hold the
   * hand-over), then `released` is called. Messages logged while muted are held, within the
   * buffer bound, and written when the console is enabled again.
   */
  setConsoleEnabled(enabled: boolean, released?: () => void): void {
    const generation = ++this.consoleGeneration;
    if (enabled) {
      this.console.resume();
      return;
    }
    void this.console.flush(1000).then(() => {
      // An enable that arrived meanwhile wins over this (older) mute.
      if (generation === this.consoleGeneration) this.console.pause();
      try {
        released?.();
      } catch (err) {
        this.log('error', `internal error handing over the console: ${(err as Error)?.message}`);
      }
    });
  }

  /** Wait (at most timeoutMs) for both streams to drain. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([this.console.flush(timeoutMs), this.main?.flush(timeoutMs)]);
  }
}
