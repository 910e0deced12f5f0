// The sd_notify side of a process service (ready-notification = notify, a dinit-ts extension):
// its socket, what each message means, the STATUS= text, and the watchdog (watchdog-timeout).
// process-service.ts owns one Notifier per record and answers its calls through NotifyTarget.

/*
 * The protocol, as systemd's sd_notify(3) defines it
 * ==================================================
 *
 * The service finds the socket's path in NOTIFY_SOCKET and sends datagrams of newline-separated
 * KEY=VALUE assignments. The socket is one per launch, bound to a file only the service's user
 * (and the daemon) may write, so a datagram on it comes from the service (or something it gave
 * the path to). One shared socket (systemd's way) would have to tell services apart by the
 * sender's pid, which fails for a helper the service runs (systemd-notify is one) unless cgroups
 * say whose it is; a socket per launch names the service and the launch by itself, lets a
 * run-as user write only to its own, and keeps a late message of an earlier process from
 * reaching a later one. The sender's credentials are needed only for MAINPID=. What each
 * assignment does here:
 *
 *   READY=1           the process is ready: a STARTING service becomes STARTED (also again in
 *                     smooth recovery). Until then start-timeout runs as for a readiness pipe.
 *   STATUS=text       kept (the last one) for `dinitctl why` and the snapshot; never shown by
 *                     `status`, whose text stays upstream's.
 *   MAINPID=n         the supervised process becomes n (a daemon that forked), as the pid file
 *                     does for bgprocess. Accepted only from the service's own processes: the
 *                     sender's credentials (SCM_CREDENTIALS) must name the main process or a
 *                     process in the service's session; otherwise ignored with a warning.
 *   STOPPING=1        the process is shutting down by itself: the watchdog is disarmed; its
 *                     exit then counts as any exit does (restart policy unchanged).
 *   WATCHDOG=1        a keep-alive ping: the watchdog is re-armed.
 *   WATCHDOG=trigger  the process asks to be treated as hung: the watchdog fires at once.
 *   WATCHDOG_USEC=n   the process changes its watchdog timeout (microseconds) from now on.
 *
 * Anything else (ERRNO=, BUSERROR=, BARRIER=1, FDSTORE=1, EXTEND_TIMEOUT_USEC=, ...) is ignored;
 * file descriptors sent with a message are closed by the adapter at once, which is what a
 * BARRIER=1 sender waits for.
 *
 * The watchdog is armed when the service becomes ready (READY=1) and re-armed by every ping;
 * WATCHDOG_USEC is in the environment from the start so a process may ping earlier. On expiry
 * the main process group gets SIGABRT (as systemd's default WatchdogSignal, so a core dump can
 * show where it hung), and SIGKILL after stop-timeout if it is still there. Whatever its exit
 * status, that exit is a failure: restart = on-failure restarts it, restart = no does not.
 */

import type { NotifyState } from './api';
import type { Host } from './host';
import { signalNumber, type NotifyDatagram, type NotifySocket, type Os } from './os';
import { OneShotTimer } from './one-shot-timer';

/** The longest STATUS= text kept; a longer one is cut. */
export const MAX_STATUS_LENGTH = 1024;

/** What the Notifier asks of its service record. */
export interface NotifyTarget {
  readonly name: string;
  /** The supervised process, or -1 when there is none. */
  mainPid(): number;
  /** READY=1 arrived. */
  notifyReady(): void;
  /** A MAINPID=n the Notifier accepted. */
  notifyMainPid(pid: number): void;
  /** Signal the main process's group (or the process alone with signal-process-only). */
  killMain(signal: number): void;
  /** How long a stopping process may take (stop-timeout, ms; 0 = no limit). */
  stopTimeoutMs(): number;
}

/** The assignments of one message, in order; a line without '=' is skipped. */
export function parseNotifyMessage(data: Buffer): [string, string][] {
  const out: [string, string][] = [];
  for (const line of data.toString('utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return out;
}

/** The sd_notify socket, STATUS= text and watchdog of one process service. */
export class Notifier {
  /** The last STATUS= text from the service, until a new launch. */
  status: string | undefined;
  /** The watchdog fired for the current process: its exit is a failure. */
  watchdogFired = false;
  private socket: NotifySocket | undefined;
  /** The session of the launched process (its pid, as it runs in a new session), or -1. */
  private session = -1;
  private watchdogMs = 0;
  /** Armed for the next ping ('watchdog'), or for the kill after SIGABRT. */
  private readonly timer: OneShotTimer<'watchdog' | 'kill'>;

  constructor(
    private readonly target: NotifyTarget,
    private readonly os: Os,
    private readonly host: Host,
    /** Drain the core's queues after a message was handled. */
    private readonly settle: () => void,
  ) {
    this.timer = new OneShotTimer(os, (purpose) => {
      if (purpose === 'watchdog') this.expired();
      else this.kill();
      this.settle();
    });
  }

  /** What the timer is armed for. */
  private get timerFor(): 'none' | 'watchdog' | 'kill' {
    return this.timer.purpose;
  }

  /**
   * Opens the socket for a new launch (closing the one before) and returns the variables the
   * process gets: NOTIFY_SOCKET, and WATCHDOG_USEC with a watchdog. Undefined, with the reason
   * logged, when it cannot be opened.
   */
  open(
    owner: { uid?: number; gid?: number },
    watchdogMs: number,
  ): Record<string, string> | undefined {
    this.close();
    this.status = undefined;
    this.watchdogFired = false;
    this.watchdogMs = watchdogMs;
    const socket = this.openSocket(owner);
    if (socket === undefined) return undefined;
    const env: Record<string, string> = { NOTIFY_SOCKET: socket.path };
    if (watchdogMs > 0) env.WATCHDOG_USEC = String(watchdogMs * 1000);
    return env;
  }

  /**
   * Takes over the socket an earlier manager opened for a process that is still running (the
   * process knows only that path): bound again at it, with the STATUS= text and watchdog timeout
   * the journal kept; `session` is the process's session (MAINPID= is taken from it). The
   * watchdog is armed by armWatchdog, once the service is started again. False, with the reason
   * logged, when it cannot be bound; the process then runs on unheard.
   */
  reopen(state: NotifyState, owner: { uid?: number; gid?: number }, session: number): boolean {
    this.close();
    this.status = state.status;
    this.watchdogFired = false;
    this.watchdogMs = state.watchdogMs;
    if (this.openSocket(owner, state.socket) === undefined) return false;
    this.session = session;
    return true;
  }

  /** The socket's path, the STATUS= text and the watchdog timeout, while a socket is open. */
  state(): NotifyState | undefined {
    if (this.socket === undefined) return undefined;
    const s: NotifyState = { socket: this.socket.path, watchdogMs: this.watchdogMs };
    if (this.status !== undefined) s.status = this.status;
    return s;
  }

  /** Opens the socket (at `at`, when reopening one); undefined, with the reason logged, if not. */
  private openSocket(owner: { uid?: number; gid?: number }, at?: string): NotifySocket | undefined {
    const name = this.target.name;
    if (this.os.openNotifySocket === undefined) {
      this.host.log(
        'error',
        `${name}: ready-notification = notify is not supported on this system (no sd_notify socket)`,
      );
      return undefined;
    }
    let socket: NotifySocket | undefined;
    try {
      socket = this.os.openNotifySocket(
        owner,
        (msg) => {
          if (this.socket !== socket) return;
          this.handle(msg);
          this.settle();
        },
        at,
      );
    } catch (e) {
      const what = at === undefined ? 'open' : `reopen ${at} as`;
      this.host.log(
        'error',
        `${name}: cannot ${what} the sd_notify socket: ${(e as Error).message}`,
      );
      return undefined;
    }
    this.socket = socket;
    return socket;
  }

  /** The launch succeeded with this pid: its session is the service's. */
  launched(pid: number): void {
    this.session = pid;
  }

  /** Hands over whatever the service sent before its process's exit is acted on. */
  drain(): void {
    this.socket?.drain();
  }

  /** The supervised process is gone: no more pings are awaited and the socket closes. */
  processEnded(): void {
    this.disarm();
    this.close();
  }

  /** The service became ready (or ready again after smooth recovery): arm the watchdog. */
  armWatchdog(): void {
    if (this.watchdogMs > 0 && !this.watchdogFired) this.arm(this.watchdogMs, 'watchdog');
  }

  /** Stops the watchdog (the service is being stopped). A pending kill after SIGABRT stays. */
  disarmWatchdog(): void {
    if (this.timerFor === 'watchdog') this.disarm();
  }

  /** Closes the socket and cancels the timer (the record goes away). */
  dispose(): void {
    this.disarm();
    this.close();
  }

  private close(): void {
    const s = this.socket;
    this.socket = undefined;
    this.session = -1;
    s?.close();
  }

  private handle(msg: NotifyDatagram): void {
    for (const [key, value] of parseNotifyMessage(msg.data)) {
      switch (key) {
        case 'READY':
          if (value === '1') this.target.notifyReady();
          break;
        case 'STATUS':
          this.status =
            value.length > MAX_STATUS_LENGTH ? value.slice(0, MAX_STATUS_LENGTH) : value;
          break;
        case 'MAINPID':
          this.mainPid(value, msg.pid);
          break;
        case 'STOPPING':
          if (value === '1') this.disarmWatchdog();
          break;
        case 'WATCHDOG':
          if (value === '1') {
            if (this.timerFor === 'watchdog') this.arm(this.watchdogMs, 'watchdog');
          } else if (value === 'trigger' && this.timerFor === 'watchdog') {
            this.disarm();
            this.expired();
          }
          break;
        case 'WATCHDOG_USEC': {
          const usec = Number(value);
          if (/^[0-9]+$/.test(value) && usec > 0) {
            this.watchdogMs = Math.max(1, Math.ceil(usec / 1000));
            if (this.timerFor === 'watchdog') this.arm(this.watchdogMs, 'watchdog');
          }
          break;
        }
        default:
          break;
      }
    }
  }

  /** MAINPID=n: accepted from the main process or its session only. */
  private mainPid(value: string, sender: number | undefined): void {
    const name = this.target.name;
    const pid = /^[0-9]+$/.test(value) ? Number(value) : 0;
    if (pid <= 0 || !Number.isSafeInteger(pid)) {
      this.host.log('warn', `${name}: ignoring invalid MAINPID=${value}`);
      return;
    }
    if (pid === this.target.mainPid()) return;
    const main = this.target.mainPid();
    const own =
      sender !== undefined &&
      (sender === main ||
        (this.session > 0 &&
          (sender === this.session || this.os.sessionOf?.(sender) === this.session)));
    if (!own) {
      this.host.log(
        'warn',
        `${name}: ignoring MAINPID=${pid} from ${sender === undefined ? 'an unknown sender' : `pid ${sender}`}, which is not one of the service's processes`,
      );
      return;
    }
    this.target.notifyMainPid(pid);
  }

  private arm(ms: number, purpose: 'watchdog' | 'kill'): void {
    this.timer.arm(ms, purpose);
  }

  private disarm(): void {
    this.timer.clear();
  }

  /** No ping in time: abort the process; kill it if it is still there after stop-timeout. */
  private expired(): void {
    const pid = this.target.mainPid();
    if (pid === -1) return;
    this.host.log(
      'warn',
      `Service ${this.target.name} with pid ${pid} missed its watchdog (no WATCHDOG=1 within ${this.watchdogMs / 1000} s); aborting it (SIGABRT).`,
    );
    this.watchdogFired = true;
    this.target.killMain(signalNumber(this.os, 'ABRT'));
    const grace = this.target.stopTimeoutMs();
    if (grace !== 0) this.arm(grace, 'kill');
  }

  private kill(): void {
    const pid = this.target.mainPid();
    if (pid === -1) return;
    this.host.log(
      'warn',
      `Service ${this.target.name} with pid ${pid} did not exit after SIGABRT; killing.`,
    );
    this.target.killMain(signalNumber(this.os, 'KILL'));
  }
}
