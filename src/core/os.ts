// The kernel port through which the core reaches the system: processes, signals, timers, the
// clock, log pipes, pid files and sockets. adapters/ implement it per OS, test/support/fake-os.ts
// for tests; what the core needs from the daemon itself is the host port (host.ts).

import type { ExitStatus } from '../model';
/** Where a service process's stdout/stderr go. */
export type OutputSpec =
  | { kind: 'inherit' } // the daemon's own stdout/stderr (console services, log-type none with console)
  | { kind: 'null' } // /dev/null (log-type = none)
  | ({ kind: 'file' } & LogFileSpec) // opened O_APPEND|O_CREAT|O_NOFOLLOW, perms and owner re-applied on every start
  | { kind: 'buffer'; sink: (chunk: Buffer) => void } // read by the daemon into a bounded buffer
  | ({ kind: 'rotate' } & RotationSpec) // dinit-ts: log-type = file with rotation; the daemon reads a pipe and writes the file
  | { kind: 'pipe'; pipe: LogPipe }; // write end of a pipe shared with a consumer-of service

/** A service's log file (logfile, logfile-permissions, logfile-uid, logfile-gid). */
export interface LogFileSpec {
  path: string;
  permissions: number;
  uid?: number;
  gid?: number;
}

/** A log file with rotation (logfile-max-size, logfile-max-files; dinit-ts). */
export interface RotationSpec extends LogFileSpec {
  /** Rotate before a line that would take the file beyond this many bytes. */
  maxSize: number;
  /** Old files kept: path.1 (newest) to path.maxFiles; 0 keeps none. */
  maxFiles: number;
}

/** A pipe the daemon holds open across restarts of producer and consumer (consumer-of). */
export interface LogPipe {
  readonly id: number;
  /** Closes both ends; called when neither producer nor consumer record remains. */
  close(): void;
}

/** Everything needed to start one process. Built by the core from a ServiceDescription. */
export interface ProcessSpec {
  /** Service name, for log messages and export-service-name. */
  serviceName: string;
  /** argv; argv[0] is looked up in PATH if it has no '/'. */
  argv: string[];
  /** Complete environment for the child (the core has merged global, env-file and runtime vars). */
  env: Record<string, string>;
  workingDir?: string;
  /** Process stdin: /dev/null, or the read end of a consumer-of pipe. */
  stdin: { kind: 'null' } | { kind: 'pipe'; pipe: LogPipe } | { kind: 'inherit' };
  output: OutputSpec;
  /** Run in a new session (setsid) and process group; true for all services except console ones. */
  newSession: boolean;
  /** Service runs on the console (foreground process group of the terminal). */
  onConsole: boolean;
  /** SIGINT left unmasked (options unmask-intr). */
  unmaskIntr: boolean;
  uid?: number;
  gid?: number;
  /** Initialise supplementary groups for this user name (run-as by name). */
  initgroupsUser?: string;
  /** Drop all supplementary groups (run-as by number). */
  clearSupplementaryGroups?: boolean;
  rlimits?: { nofile?: RlimitPair; core?: RlimitPair; data?: RlimitPair; addrspace?: RlimitPair };
  nice?: number;
  ioprio?: { class: 'none' | 'realtime' | 'best-effort' | 'idle'; level: number };
  oomScoreAdj?: number;
  /** cgroup path (relative ones are resolved against the daemon's own cgroup by the adapter). */
  cgroup?: string;
  capabilities?: string;
  securebits?: string;
  noNewPrivs?: boolean;
  /** FreeBSD only: jail name or id to attach to. */
  jail?: string;
  /** Activation socket to pass at fd 3 (LISTEN_FDS=1, LISTEN_PID set by the helper). */
  activationSocket?: ActivationSocket;
  /** Readiness: the child gets a pipe write end at this fd (pipefd) or named in this var (pipevar). */
  readiness?: { kind: 'pipefd'; fd: number } | { kind: 'pipevar'; variable: string };
  /** Pass the control socket to the child (options pass-cs-fd); fd number set in DINIT_CS_FD. */
  passControlSocket?: boolean;
  /**
   * With passControlSocket: the daemon's control socket (Host.controlSocketPath). The adapter
   * connects a new socket to it and hands the child that connection; the control server accepts
   * the other end like any client. Absent: the launch fails with "not supported yet".
   */
  controlSocketPath?: string;
}

export interface RlimitPair {
  soft?: number; // -1 = unlimited; undefined = leave as is
  hard?: number;
}

export interface ActivationSocket {
  readonly fd: number;
  close(): void;
}

/** Callbacks a launched process reports through. Each fires at most once, except onReady. */
export interface ProcessEvents {
  /**
   * The process exists: its pid. Only for a launch whose handle had pid 0 (the adapter forks
   * asynchronously); it comes before every other event of that launch, except an onExecFailed
   * that means nothing was forked.
   */
  onSpawned?(pid: number): void;
  /** The process has exited (and been reaped). */
  onExit(status: ExitStatus): void;
  /**
   * exec (or a pre-exec step) failed; onExit is not called after this. `stage` is the exec stage
   * number (ExecStage in src/model.ts); `message` is the strerror() text of errno.
   */
  onExecFailed(stage: number, errno: number, message: string): void;
  /** The readiness notification arrived (first write on the readiness pipe). */
  onReady?(): void;
  /**
   * The readiness pipe reached end-of-file (or failed) before any notification was written:
   * the process closed its end (upstream fails the start). It may come just before onExit when
   * the process exited.
   */
  onReadinessClosed?(): void;
  /**
   * exec succeeded (the status pipe closed without an error). Adapters that can tell set
   * caps.execStatus and call this once; without it the core assumes success right after launch().
   */
  onExecSucceeded?(): void;
}

export interface ProcessHandle {
  /**
   * The process id; 0 while the launch is in flight (the adapter forks asynchronously), and
   * then the pid once onSpawned has reported it.
   */
  readonly pid: number;
}

/** An opaque timer. */
export interface TimerHandle {
  readonly id: number;
}

export type SignalTarget = 'process' | 'group';

/**
 * A service's sd_notify socket (ready-notification = notify): a datagram socket at `path`, named
 * to the service in NOTIFY_SOCKET, whose datagrams the adapter hands to the onMessage given to
 * openNotifySocket.
 */
export interface NotifySocket {
  /** The socket's address as NOTIFY_SOCKET gives it to the service. */
  readonly path: string;
  /**
   * Delivers, synchronously, every datagram already queued on the socket. The core calls it
   * before it acts on the exit of the service's process, so that a READY=1 or MAINPID= sent just
   * before the exit is seen first (the exit comes through another channel and may overtake it).
   */
  drain(): void;
  /** Closes the socket and removes its file; no message is delivered afterwards. */
  close(): void;
}

/** One datagram received on a NotifySocket. */
export interface NotifyDatagram {
  /** The text the service sent (newline-separated KEY=VALUE assignments). */
  data: Buffer;
  /** The sender's pid, from the kernel's credentials (SCM_CREDENTIALS); undefined without. */
  pid?: number;
}

/** What the adapter can do on this kernel; the core asks, never checks the platform. */
export interface OsCaps {
  pidfd: boolean;
  cgroups: boolean;
  subreaper: boolean;
  execHelper: boolean;
  /** The adapter calls ProcessEvents.onExecSucceeded (Node's 'spawn' event, or the helper's pipe). */
  execStatus?: boolean;
}

/** Signals the core refers to by name (their numbers differ between kernels). */
/**
 * A running process a new manager takes back (from the journal of the one before it, after a
 * crash or `dinitctl daemon-reexec`), identified beyond its pid so a recycled pid is never
 * mistaken for it.
 */
export interface AdoptSpec {
  pid: number;
  /** Its start time as processIdentity() gave it; a different one means the pid was reused. */
  startTime: string;
  /** The read end of its log-type = buffer pipe, inherited under the same number, if any. */
  outputFd?: number;
  /** The identity (inode) of that pipe, checked before the descriptor is trusted. */
  outputIno?: number;
  /** Where buffered output goes once re-attached. */
  sink?: (chunk: Buffer) => void;
  /** Or the rotated log file it goes to (log-type = file with logfile-max-size). */
  rotate?: Extract<OutputSpec, { kind: 'rotate' }>;
}

/** What a journal records about a process so that a later manager can adopt it. */
export interface ProcessIdentity {
  startTime: string;
  outputFd?: number;
  outputIno?: number;
}

export type SignalName = 'HUP' | 'INT' | 'KILL' | 'TERM' | 'USR1' | 'USR2' | 'ABRT';

/** Linux's numbers: the default when an Os does not supply its own table. */
const LINUX_SIGNAL_NUMBERS: Readonly<Record<SignalName, number>> = {
  HUP: 1,
  INT: 2,
  KILL: 9,
  TERM: 15,
  USR1: 10,
  USR2: 12,
  ABRT: 6,
};

/**
 * The number of signal `name` on the kernel `os` runs on: `os.signalNumbers` when it names it,
 * else Linux's number.
 */
export function signalNumber(os: Pick<Os, 'signalNumbers'>, name: SignalName): number {
  return os.signalNumbers?.[name] ?? LINUX_SIGNAL_NUMBERS[name];
}

export interface Os {
  readonly caps: OsCaps;

  /**
   * This kernel's signal numbers for the names the core uses (USR1/USR2 are 30/31 on FreeBSD and
   * macOS, 10/12 on Linux). Absent, or a name missing: Linux's numbers.
   */
  readonly signalNumbers?: Readonly<Partial<Record<SignalName, number>>>;

  /** Monotonic milliseconds (not affected by wall-clock changes). */
  now(): number;
  /** Wall clock, ms since the epoch (for status displays only). */
  wallClock(): number;
  /** Call cb once after ms milliseconds of the monotonic clock. */
  setTimer(ms: number, cb: () => void): TimerHandle;
  /** Cancel a timer that has not fired; a no-op for one that has. */
  clearTimer(t: TimerHandle): void;

  /**
   * Start a process. Returns its handle synchronously, without waiting for the fork where the
   * adapter can (the handle's pid is then 0 until events.onSpawned); failures before exec arrive
   * later through events.onExecFailed. A signal sent to a handle whose pid is not known yet is
   * delivered once the process exists. Throws LaunchError (code 'ELAUNCH') when the launch
   * cannot even be attempted (e.g. the exec helper is needed but missing).
   * Linux: through the native spawner (asynchronous); elsewhere, and without the spawner,
   * through child_process (the pid at once).
   */
  launch(spec: ProcessSpec, events: ProcessEvents): ProcessHandle;

  /**
   * Send a signal; 'group' signals the process group. Returns false if the process is gone.
   * Linux: through a pidfd, so a recycled pid is never hit; FreeBSD and macOS: kill(2).
   */
  signal(proc: ProcessHandle, signal: number, target: SignalTarget): boolean;

  /**
   * Signal a pid the daemon did not launch (bgprocess daemon from a pid file; -1 for all
   * processes). Linux: through the pidfd watchPid opened, when there is one; else kill(2).
   */
  signalPid(pid: number, signal: number, target: SignalTarget): boolean;

  /**
   * Read a bgprocess pid file. Returns the pid, or a reason string in upstream's words when the
   * file is missing, unreadable, malformed, or names a process that is not running.
   */
  readPidFile(path: string): { ok: true; pid: number } | { ok: false; reason: string };

  /**
   * Watch a pid that is not our child (bgprocess). onExit fires when it goes away; the status is
   * known when the daemon reaps it as its subreaper (Linux, FreeBSD), else it is undefined (the
   * core then counts it as exited with code 0).
   * Linux: a pidfd; FreeBSD and macOS: kqueue EVFILT_PROC.
   */
  watchPid(pid: number, onExit: (status: ExitStatus | undefined) => void): { cancel(): void };

  /** Create a pipe for a consumer-of chain; the daemon keeps both ends open until close(). */
  createLogPipe(): LogPipe;

  /**
   * Open a listening unix socket for socket activation. Throws an Error whose message is
   * upstream's text without the service name (e.g. "error binding activation socket: Address
   * in use"); the core logs it as "<service>: <message>" and fails the start.
   */
  openActivationSocket(
    path: string,
    permissions: number,
    uid?: number,
    gid?: number,
  ): ActivationSocket;

  /**
   * Takes back a process started by an earlier manager: checks it is still the same process
   * (start time, through a pidfd where there is one), re-attaches its buffered output, and calls
   * onExit once it exits (with its status when known). Undefined when it is gone or the pid now
   * names another process. Absent where the platform cannot tell processes apart.
   */
  adopt?(
    spec: AdoptSpec,
    onExit: (status: ExitStatus | undefined) => void,
  ): { cancel(): void } | undefined;

  /** What a journal needs to find a launched process again (undefined once it is gone). */
  processIdentity?(pid: number): ProcessIdentity | undefined;

  /**
   * Opens a service's sd_notify socket, which only `owner` (the service's user; the daemon's own
   * when absent) and the daemon may send to. Throws an Error saying what failed. Linux: a
   * SOCK_DGRAM unix socket with SO_PASSCRED in a directory of the daemon's; absent on FreeBSD
   * and macOS (a notify service then fails to start, saying so). With `at`, the socket is bound
   * again at that path, one an earlier manager opened for a process that is still running (it
   * knows the path from its NOTIFY_SOCKET): the stale file is replaced.
   */
  openNotifySocket?(
    owner: { uid?: number; gid?: number },
    onMessage: (msg: NotifyDatagram) => void,
    at?: string,
  ): NotifySocket;

  /**
   * The session id of a process (getsid(2)), or undefined when it is gone. The core uses it to
   * tell the service's own processes from others (a service runs in its own session).
   */
  sessionOf?(pid: number): number | undefined;

  /** Kill every process in a cgroup (cgroup.kill, or SIGKILL each member). Linux only. */
  killCgroup?(cgroup: string): void;

  /**
   * Login accounting for a process service with inittab-id / inittab-line: a utmpx
   * INIT_PROCESS entry for its process once launched. Best effort (a database that cannot be
   * written is left alone). Absent where there is no utmpx database (Linux with glibc has one).
   */
  utmpStarted?(id: string, line: string, pid: number): void;

  /** The same entry marked DEAD_PROCESS once the process has ended. */
  utmpEnded?(id: string, line: string): void;

  /**
   * The boot record: BOOT_TIME appended to wtmp, utmp emptied and given the same record (the
   * core never calls it; the system instance does once the root filesystem is writable).
   * Returns false when it could not be written.
   */
  utmpBoot?(): boolean;
}
