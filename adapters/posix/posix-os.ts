// The part of the OS port that Linux, FreeBSD and macOS share: launching through
// child_process (directly, or through the exec helper when pre-exec work is needed), exit and
// exec-failure reporting, timers, pid files, log pipes and activation sockets. Platform
// subclasses add race-free pid references, subreaping and cgroups.

import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as nodeOs from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  type ActivationSocket,
  type LogPipe,
  type LogFileSpec,
  type Os,
  type OutputSpec,
  type OsCaps,
  type ProcessEvents,
  type ProcessHandle,
  type ProcessSpec,
  type SignalTarget,
  type TimerHandle,
} from '../../src/core/os';
import { installChildRegistry, isLibuvChild, registerLibuvChild } from './child-registry';
import { Spawner, spawnRequest, type SpawnCallbacks } from './spawner';
import { RotatingLog, type RotationSpec } from './rotating-log';
import { applyOwnership, openForAppend } from './log-file';
import type { UnixMsg } from './unix-msg';
import { type Libc } from './ffi';
import {
  HELPER_REASON_STAGE,
  planLaunch,
  type LaunchPlan,
  type PlanInputs,
  type StdioSource,
} from './helper-plan';
import {
  ExecOutcome,
  forwardOutput,
  watchReadiness,
  type ChildRecord,
  type PidRef,
} from './launched-child';
import { ExecStage } from '../../src/model';
import { readPidFile as readPidFileImpl } from './pidfile';
import { OrphanReaper, exitStatusFromSiginfo, type ReapSys } from './reaper';
import { SOCKET } from './socket';
import type { ExitStatus } from '../../src/model';
import { LaunchError, SysError } from '../../src/errors';
import { strerror } from '../../src/strerror';
import { toBytes, toText } from '../../src/bytes';
import { TimerQueue } from './timer-queue';

export type LogFn = (level: 'debug' | 'info' | 'notice' | 'warn' | 'error', msg: string) => void;

export interface PosixOsOptions {
  log: LogFn;
  /** libc bindings; undefined when koffi is unavailable (log pipes, buffers degrade). */
  libc: Libc | undefined;
  /** Path of the built exec helper; undefined when it is missing. */
  helperPath: string | undefined;
  /** Path of the built spawner and the socket calls to talk to it; without both, services
   * are launched through child_process. */
  spawnerPath?: string;
  unixMsg?: UnixMsg;
  /** sockaddr_un layout: 'linux' (u16 family) or 'bsd' (u8 length, u8 family). */
  sockaddr: 'linux' | 'bsd';
  /** Byte offsets of si_code, si_pid and si_status in this platform's siginfo_t. */
  siginfo: { code: number; pid: number; status: number };
  /** waitid() constants, which differ between the kernels. */
  wait: WaitConstants;
  /** O_NONBLOCK's value (0x800 on Linux, 4 on the BSDs and macOS). */
  oNonblock: number;
}

/** idtype_t and option values for waitid(). */
export interface WaitConstants {
  P_ALL: number;
  P_PID: number;
  WNOHANG: number;
  WEXITED: number;
  WNOWAIT: number;
}

/** Linux's waitid() constants. */
export const LINUX_WAIT: WaitConstants = {
  P_ALL: 0,
  P_PID: 1,
  WNOHANG: 1,
  WEXITED: 4,
  WNOWAIT: 0x01000000,
};

const { AF_UNIX, SOCK_STREAM, F_GETFL, F_SETFL } = SOCKET;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
/** How often a pid we cannot be notified about (not our child) is checked for liveness. */
const FOREIGN_POLL_MS = 250;
/** Safety net for SIGCHLDs that were coalesced or not delivered to our listener (test
 * runners that sandbox the process object): one waitid() call per second when idle. */
const REAP_SWEEP_MS = 1000;

let nextId = 1;

/** fds the daemon owns and closes together, once. */
class OwnedFds {
  private closed = false;
  constructor(
    private readonly fds: readonly number[],
    private readonly libc: Libc,
  ) {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds) this.libc.close(fd);
  }
}

/** A pipe held by the daemon at both ends (consumer-of); the fds are close-on-exec. */
class PosixLogPipe extends OwnedFds implements LogPipe {
  readonly id = nextId++;
  constructor(
    readonly readFd: number,
    readonly writeFd: number,
    libc: Libc,
  ) {
    super([readFd, writeFd], libc);
  }
}

class PosixActivationSocket extends OwnedFds implements ActivationSocket {
  constructor(
    readonly fd: number,
    libc: Libc,
  ) {
    super([fd], libc);
  }
}

/** Parent-side fds of one launch: the child's copies are closed once it is spawned. */
class LaunchFds {
  /** fds the child gets a copy of (write end of the output pipe, control connection). */
  readonly toClose: number[] = [];
  /** Read end of the buffered-output pipe, kept by the daemon. */
  outputReadFd: number | undefined;
  /** Read end of the readiness pipe (a real pipe, so /proc/self/fd/N can be reopened). */
  readinessReadFd: number | undefined;
  /** A log file the daemon opened itself (no exec helper). */
  parentLogFd: number | undefined;
  constructor(private readonly libc: Libc | undefined) {}

  /** The child has its copies (or never will): close ours, once. */
  closeChildCopies(): void {
    for (const fd of this.toClose.splice(0)) this.libc?.close(fd);
    if (this.parentLogFd !== undefined) fs.closeSync(this.parentLogFd);
    this.parentLogFd = undefined;
  }

  /** The launch failed: close everything, the daemon's ends too (each fd once). */
  closeAll(): void {
    this.closeChildCopies();
    if (this.outputReadFd !== undefined) this.libc?.close(this.outputReadFd);
    if (this.readinessReadFd !== undefined) this.libc?.close(this.readinessReadFd);
    this.outputReadFd = undefined;
    this.readinessReadFd = undefined;
  }
}

/** The program to spawn for a launch: the exec helper or the command itself. */
interface SpawnCommand {
  file: string;
  args: string[];
  /** Index = child fd. */
  stdio: StdioSource[];
  viaHelper: boolean;
  /** Child fd of the helper's status pipe (-1 without the helper). */
  statusFd: number;
}

/** A launch step that failed before anything was spawned. */
interface Failure {
  stage: number;
  errno: number;
  /** Replaces the errno's text in the report. */
  message?: string;
}

/** Implementation of the Os port shared by the POSIX platforms. */
export class PosixOs implements Os {
  readonly caps: OsCaps;
  /** This kernel's numbers for the signals the core names, as Node knows them for the platform. */
  readonly signalNumbers = {
    HUP: nodeOs.constants.signals.SIGHUP,
    INT: nodeOs.constants.signals.SIGINT,
    KILL: nodeOs.constants.signals.SIGKILL,
    TERM: nodeOs.constants.signals.SIGTERM,
    USR1: nodeOs.constants.signals.SIGUSR1,
    USR2: nodeOs.constants.signals.SIGUSR2,
  };
  protected readonly libc: Libc | undefined;
  protected readonly helperPath: string | undefined;
  protected reaper: OrphanReaper | undefined;
  private readonly logFn: LogFn;
  private readonly sockaddrKind: 'linux' | 'bsd';
  private readonly siginfo: { code: number; pid: number; status: number };
  private readonly wait: WaitConstants;
  private readonly oNonblock: number;
  private readonly children = new Map<number, ChildRecord>();
  private readonly timers = new TimerQueue();
  private readonly foreignRefs = new Map<number, PidRef>();
  /** The read end of each live process's buffered-output pipe (for the manager's journal). */
  protected readonly outputFds = new Map<number, number>();
  /** Rotated log files by path, shared by a service's process and its stop command. */
  private readonly rotatingLogs = new Map<string, RotatingLog>();
  private readonly warned = new Set<string>();
  private sweep: NodeJS.Timeout | undefined;
  private sigchld: (() => void) | undefined;
  /** The native launcher, while it runs (see spawner.ts). */
  protected spawner: Spawner | undefined;
  /** Starts a spawner again after one died (set once the first has started). */
  private restartSpawner: (() => void) | undefined;
  /** When recent spawners died (performance.now), to give up on one that keeps dying. */
  private spawnerDeaths: number[] = [];
  /** What launches through the spawner use of the adapter (one object for all of them). */
  private readonly spawnHost: SpawnHost = {
    children: this.children,
    spawner: () => this.spawner,
    libc: () => this.libc,
    attachOutput: (pid, fd, sink) => this.attachOutput(pid, fd, sink),
    attachRotated: (pid, fd, spec) => this.attachRotated(pid, fd, spec),
    strerror: (errno) => this.strerror(errno),
  };

  constructor(opts: PosixOsOptions, caps: Partial<OsCaps> = {}) {
    this.logFn = opts.log;
    this.libc = opts.libc;
    this.helperPath = opts.helperPath;
    this.sockaddrKind = opts.sockaddr;
    this.siginfo = opts.siginfo;
    this.wait = opts.wait;
    this.oNonblock = opts.oNonblock;
    this.caps = {
      pidfd: false,
      cgroups: false,
      subreaper: false,
      execHelper: opts.helperPath !== undefined,
      execStatus: true,
      ...caps,
    };
    this.startSpawner(opts);
  }

  /** Starts the spawner if it is built and usable, and says in the log which path launches. */
  private startSpawner(opts: PosixOsOptions): void {
    const why = !opts.spawnerPath
      ? 'the spawner is not built'
      : !this.libc || !opts.unixMsg
        ? 'no socket calls for the spawner on this system'
        : undefined;
    if (why || !opts.spawnerPath || !this.libc || !opts.unixMsg) {
      this.logFn('info', `launching services through child_process (${why})`);
      return;
    }
    try {
      const sp = Spawner.start(opts.spawnerPath, this.libc, opts.unixMsg);
      sp.onDeath = () => this.spawnerDied(sp);
      // libuv reaps the spawner: the orphan reaper must leave it alone.
      registerLibuvChild(sp.process);
      this.spawner = sp;
      this.restartSpawner = () => this.startSpawner(opts);
      this.caps.execHelper = true;
      this.logFn('info', `launching services through the native spawner (pid ${sp.pid})`);
    } catch (e) {
      this.logFn('warn', `launching services through child_process: ${(e as Error).message}`);
    }
  }

  /**
   * The spawner exited: its children pass to the daemon (a subreaper), whose reaper reports
   * their exits from now on. A new spawner is started, since kill-all-on-stop (kill(-1): TERM,
   * then KILL) takes it down with every other process; one that dies a third time within a
   * minute is given up, and later launches use child_process.
   */
  private spawnerDied(sp: Spawner): void {
    if (this.spawner === sp) this.spawner = undefined;
    const unsent = sp.takeLaunches();
    for (const [pid, onExit] of sp.takeWatchers()) {
      if (this.reaper) this.reaper.watch(pid, onExit);
      else this.logFn('warn', `exit of pid ${pid} cannot be followed after the spawner exited`);
    }
    const now = performance.now();
    this.spawnerDeaths = [...this.spawnerDeaths.filter((t) => now - t < 60_000), now];
    if (this.spawner === undefined && this.restartSpawner && this.spawnerDeaths.length < 3) {
      this.logFn('warn', 'the native spawner exited; starting it again');
      this.restartSpawner();
      const next = this.spawner as Spawner | undefined;
      if (next) {
        next.adopt(unsent);
        return;
      }
    }
    this.logFn('error', 'the native spawner exited; launching through child_process from now on');
    for (const l of unsent) l.cb.failed(ExecStage.DO_EXEC, 10 /* ECHILD */);
  }

  // ---- clock and timers -------------------------------------------------------------------

  /** Monotonic milliseconds (performance.now: not affected by wall-clock changes). */
  now(): number {
    return performance.now();
  }

  wallClock(): number {
    return Date.now();
  }

  /** Calls cb after ms milliseconds of the monotonic clock (one Node timer per delay). */
  setTimer(ms: number, cb: () => void): TimerHandle {
    return this.timers.set(ms, cb);
  }

  clearTimer(t: TimerHandle): void {
    this.timers.clear(t);
  }

  /** The adapter's own messages (capabilities that are off, fallbacks), through the daemon's log. */
  protected log(level: 'debug' | 'info' | 'notice' | 'warn' | 'error', message: string): void {
    this.logFn(level, message);
  }

  /** Logs a message only the first time key is seen (for capabilities that are off). */
  protected warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logFn('warn', message);
  }

  // ---- launching --------------------------------------------------------------------------

  /**
   * Starts a process. Without pre-exec work it is spawned directly (detached for setsid);
   * otherwise through the exec helper, whose status pipe reports a failing stage and errno.
   * Throws LaunchError when the spec needs something unavailable (helper not built,
   * capabilities, cgroups missing).
   */
  launch(spec: ProcessSpec, events: ProcessEvents): ProcessHandle {
    const fds = new LaunchFds(this.libc);
    if (spec.output.kind === 'rotate') {
      const errno = this.rotatingLog(spec.output).open(spec.output);
      if (errno !== undefined) {
        return this.failLater(fds, events, { stage: ExecStage.OPEN_LOGFILE, errno });
      }
    }
    const plan = this.planWithFds(spec, fds);
    const viaSpawner = this.spawner?.running
      ? this.launchViaSpawner(spec, plan, fds, events)
      : undefined;
    if (viaSpawner) return viaSpawner;
    if (this.spawner?.running) {
      // Only a launch the spawner cannot take at all comes here, never one made under load.
      this.warnOnce(
        'spawner-refused',
        `${spec.serviceName}: launched through child_process, as the spawner cannot take it ` +
          `(too large a request, or descriptors it cannot pass)`,
      );
    }
    const cmd = this.commandFor(spec, plan, fds);
    if ('errno' in cmd) return this.failLater(fds, events, cmd);
    const text = asText(cmd, plan.env, cmd.viaHelper ? undefined : spec.workingDir);
    if ('errno' in text) return this.failLater(fds, events, text);
    let child: childProcess.ChildProcess;
    try {
      child = childProcess.spawn(text.file, text.args, {
        stdio: cmd.stdio as childProcess.StdioOptions,
        env: text.env,
        cwd: text.cwd,
        detached: !cmd.viaHelper && plan.detached,
        argv0: cmd.viaHelper ? undefined : text.args0,
      });
    } catch (e) {
      // Synchronous failures (bad arguments, EMFILE...): nothing was started.
      return this.failLater(fds, events, { stage: ExecStage.DO_EXEC, errno: errnoOf(e) ?? 0 });
    }
    // The child has its copies now.
    fds.closeChildCopies();
    return this.follow(child, spec, plan, cmd, fds, events);
  }

  /**
   * Prepares the parent-side fds the spec asks for (pipes, the control-socket connection) and
   * plans the launch. On failure closes what it opened and throws LaunchError.
   */
  private planWithFds(spec: ProcessSpec, fds: LaunchFds): LaunchPlan {
    try {
      const inputs: PlanInputs = { jailSupported: this.jailSupported() };
      if (spec.stdin.kind === 'pipe') inputs.stdinFd = this.pipeFds(spec.stdin.pipe).readFd;
      if (spec.output.kind === 'pipe') inputs.outputFd = this.pipeFds(spec.output.pipe).writeFd;
      if (spec.output.kind === 'buffer' || spec.output.kind === 'rotate') {
        inputs.outputFd = this.bufferPipe(fds);
      }
      if (spec.readiness) inputs.readinessFd = this.readinessPipe(fds);
      if (spec.activationSocket) inputs.activationFd = spec.activationSocket.fd;
      if (spec.passControlSocket && spec.controlSocketPath && this.libc) {
        inputs.controlFd = this.connectControl(spec.controlSocketPath);
        fds.toClose.push(inputs.controlFd);
      }
      if (spec.cgroup) inputs.cgroupProcsPath = this.cgroupProcsPath(spec.cgroup);
      inputs.capsOps = this.capsOps(spec);
      return planLaunch(spec, inputs);
    } catch (e) {
      fds.closeAll();
      if (e instanceof LaunchError) throw new LaunchError(e.message, e.stage);
      if (e instanceof SysError) throw new LaunchError(e.message, ExecStage.ARRANGE_FDS, e.errno);
      throw e;
    }
  }

  /** The child's stdout and stderr for buffered output: one pipe (two without the FFI layer). */
  private bufferPipe(fds: LaunchFds): StdioSource {
    if (!this.libc) {
      this.warnOnce(
        'buffer',
        'FFI unavailable: buffered service output uses two pipes (stdout, stderr)',
      );
      return 'pipe';
    }
    const [r, w] = this.libc.pipeCloexec();
    fds.outputReadFd = r;
    fds.toClose.push(w);
    return w;
  }

  /**
   * The child's end of the readiness pipe: a pipe(2) whose read end the daemon keeps (Node's
   * 'pipe' would be a socketpair, which `echo > /proc/self/fd/N` cannot reopen).
   */
  private readinessPipe(fds: LaunchFds): StdioSource {
    if (!this.libc) return 'pipe';
    const [r, w] = this.libc.pipeCloexec();
    fds.readinessReadFd = r;
    fds.toClose.push(w);
    return w;
  }

  /**
   * What to spawn: the exec helper with its instructions, or the command itself. Without the
   * helper the daemon can still open a log file itself, with the same flags. Returns the stage
   * and errno of a step that failed before spawning (also when the helper is needed but not
   * built).
   */
  private commandFor(spec: ProcessSpec, plan: LaunchPlan, fds: LaunchFds): SpawnCommand | Failure {
    const needsHelper = plan.helperReasons.length > 0;
    const stdio: StdioSource[] = plan.stdio.slice();
    if (needsHelper && this.helperPath) {
      const statusFd = stdio.length;
      stdio.push('pipe');
      const args = [String(statusFd), ...plan.helperOps, '--', ...spec.argv];
      return { file: this.helperPath, args, stdio, viaHelper: true, statusFd };
    }
    const parentOpensLog =
      needsHelper &&
      spec.output.kind === 'file' &&
      plan.helperReasons.every((r) => r === 'log file');
    // Without the helper, a launch failure at the stage of the first step that needs it, with
    // ENOSYS, so that dinitctl says what failed (and that the helper is missing).
    if (needsHelper && !parentOpensLog) return this.helperMissing(plan);
    if (spec.workingDir) {
      // libuv reports a failed chdir like a failed exec; check first to name the stage.
      const err = checkDirectory(spec.workingDir);
      if (err !== undefined) return { stage: ExecStage.CHDIR, errno: err };
    }
    if (parentOpensLog && spec.output.kind === 'file') {
      const r = openLogFile(spec.output);
      if (typeof r === 'object') return { stage: ExecStage.OPEN_LOGFILE, errno: r.errno };
      fds.parentLogFd = r;
      for (const fd of [1, 2]) if (fd !== plan.readinessFd) stdio[fd] = r;
    }
    const args = spec.argv.slice(1);
    return { file: spec.argv[0], args, stdio, viaHelper: false, statusFd: -1 };
  }

  private helperMissing(plan: LaunchPlan): Failure {
    const first = plan.helperReasons.find((r) => r !== 'log file') ?? plan.helperReasons[0];
    return {
      stage: HELPER_REASON_STAGE[first] ?? ExecStage.ARRANGE_FDS,
      errno: nodeOs.constants.errno.ENOSYS,
      message:
        `needs the exec helper (for ${plan.helperReasons.join(', ')}), which is not built: ` +
        `install a C compiler, then run "npm run build" (in a clone) or "npm rebuild -g dinit-ts" (installed)`,
    };
  }

  /** Reports an exec failure from the next tick, as if the child had failed (no pid). */
  private failLater(fds: LaunchFds, events: ProcessEvents, f: Failure): ProcessHandle {
    fds.closeAll();
    const text = f.message ?? this.strerror(f.errno);
    setImmediate(() => events.onExecFailed(f.stage, f.errno, text));
    return { pid: -1 };
  }

  /** Records a spawned child and wires its exit, exec status, readiness and output. */
  private follow(
    child: childProcess.ChildProcess,
    spec: ProcessSpec,
    plan: LaunchPlan,
    cmd: SpawnCommand,
    fds: LaunchFds,
    events: ProcessEvents,
  ): ProcessHandle {
    const pid = child.pid;
    const rec: ChildRecord = { pid: pid ?? -1, ref: undefined, finished: false, watchers: [] };
    if (pid !== undefined) {
      // Safe from pid reuse: the child cannot be reaped before this tick ends.
      rec.ref = this.openPidRef(pid);
      this.children.set(pid, rec);
    }
    const idx = plan.readinessFd;
    const readiness =
      spec.readiness && idx !== undefined
        ? (readStream(fds.readinessReadFd) ?? (child.stdio[idx] as net.Socket | null))
        : null;
    if (readiness) watchReadiness(readiness, rec, events);
    const outcome = new ExecOutcome(rec, events, cmd.viaHelper, {
      strerror: (errno) => this.strerror(errno),
      onFinished: (exit) => {
        this.children.delete(rec.pid);
        rec.ref?.release();
        readiness?.destroy();
        // Orphans often die together with the service that left them.
        if (this.reaper) setImmediate(() => this.reaper?.reapAll());
        for (const w of rec.watchers?.splice(0) ?? []) w(exit);
      },
    });
    child.on('error', (e) => {
      if (pid === undefined) outcome.spawnFailed(errnoOf(e) ?? 0);
    });
    if (!cmd.viaHelper) child.once('spawn', () => outcome.execSucceeded());
    child.on('exit', (code, signal) => outcome.exited(code, signal));
    if (cmd.viaHelper) outcome.readStatus(child.stdio[cmd.statusFd] as net.Socket | null);
    if (spec.output.kind === 'buffer' && fds.outputReadFd !== undefined) {
      this.attachOutput(rec.pid, fds.outputReadFd, spec.output.sink);
    } else if (spec.output.kind === 'buffer') {
      const streams = [1, 2]
        .map((fd) => child.stdio[fd] as net.Socket | null)
        .filter((s): s is net.Socket => Boolean(s));
      forwardOutput(streams, spec.output.sink);
    } else if (spec.output.kind === 'rotate' && fds.outputReadFd !== undefined) {
      this.attachRotated(rec.pid, fds.outputReadFd, spec.output);
    } else if (spec.output.kind === 'rotate') {
      const log = this.rotatingLog(spec.output);
      for (const fd of [1, 2]) {
        const stream = child.stdio[fd] as net.Socket | null;
        if (stream) log.attach(stream);
      }
    }
    return { pid: rec.pid };
  }

  /**
   * Reads a buffered-output pipe into sink, and remembers it as pid's until it reaches its end
   * (the journal names it so a later manager can read on from where this one stopped).
   */
  protected attachOutput(pid: number, fd: number, sink: (chunk: Buffer) => void): void {
    const stream = new net.Socket({ fd, readable: true, writable: false });
    this.outputFds.set(pid, fd);
    stream.once('close', () => {
      if (this.outputFds.get(pid) === fd) this.outputFds.delete(pid);
    });
    forwardOutput([stream], sink);
  }

  /**
   * Launches through the spawner, without waiting: the request is queued and sent when the
   * spawner can take it, and the returned handle has pid 0 until the fork is reported
   * (events.onSpawned; signals meanwhile wait for it). Undefined when the plan does not suit
   * the spawner (a Node-made pipe, too large a request) or it is gone: the caller then launches
   * through child_process with the same fds.
   */
  private launchViaSpawner(
    spec: ProcessSpec,
    plan: LaunchPlan,
    fds: LaunchFds,
    events: ProcessEvents,
  ): ProcessHandle | undefined {
    const req = spawnRequest(spec, plan);
    if (!req || !this.spawner) return undefined;
    const child = new SpawnedChild(this.spawnHost, fds, events, spec);
    return this.spawner.launch(req, child) ? child : undefined;
  }

  /**
   * Reads a rotated log's pipe into its file, and remembers it as pid's until it reaches its end
   * (the journal names it, so that a later manager reads on). Opens the file if it is not open
   * (a process adopted from an earlier manager); if that fails, the output is read and dropped
   * rather than left to fill the pipe.
   */
  protected attachRotated(pid: number, fd: number, spec: RotationSpec): void {
    const log = this.rotatingLog(spec);
    const errno = log.open(spec);
    if (errno !== undefined) {
      this.logFn('error', `cannot open log file ${spec.path}: ${this.strerror(errno)}`);
    }
    const stream = new net.Socket({ fd, readable: true, writable: false });
    this.outputFds.set(pid, fd);
    stream.once('close', () => {
      if (this.outputFds.get(pid) === fd) this.outputFds.delete(pid);
    });
    log.attach(stream);
  }

  /** The rotated log at spec.path (one writer per path, whatever the number of processes). */
  private rotatingLog(spec: RotationSpec): RotatingLog {
    const known = this.rotatingLogs.get(spec.path);
    if (known) return known;
    // Forgotten once its last writer is done, so that paths no longer used cost nothing.
    const log: RotatingLog = new RotatingLog(
      spec,
      (message) => this.logFn('error', message),
      () => {
        if (this.rotatingLogs.get(spec.path) === log) this.rotatingLogs.delete(spec.path);
      },
    );
    this.rotatingLogs.set(spec.path, log);
    return log;
  }

  private pipeFds(p: LogPipe): PosixLogPipe {
    if (!(p instanceof PosixLogPipe)) {
      throw new LaunchError(
        `log pipe ${p.id} was not created by this adapter`,
        ExecStage.ARRANGE_FDS,
      );
    }
    return p;
  }

  // ---- signals and watching ---------------------------------------------------------------

  /** The record of a launched child whose exit has not been reported yet. */
  protected liveChild(pid: number): ChildRecord | undefined {
    const rec = this.children.get(pid);
    return rec !== undefined && !rec.finished ? rec : undefined;
  }

  /**
   * Signals a launched child; false once its exit has been reported. A launch whose fork is not
   * reported yet (pid 0) gets the signal once it is.
   */
  signal(proc: ProcessHandle, signal: number, target: SignalTarget): boolean {
    const rec = proc.pid > 0 ? this.children.get(proc.pid) : (proc as ChildRecord);
    if (!rec || rec.finished) return false;
    if (rec.pid <= 0 && rec.viaSpawner) {
      (rec.heldSignals ??= []).push([signal, target === 'group']);
      return true;
    }
    if (rec.viaSpawner && this.spawner)
      return this.spawner.signal(rec.pid, signal, target === 'group');
    return this.sendSignal(rec.pid, rec.ref, signal, target === 'group');
  }

  /**
   * Signals a pid we did not launch, through the reference watchPid opened if there is one.
   * pid -1 means every process the daemon may signal except itself (kill(-1), used for
   * kill-all-on-stop); other pids below 1 are refused (false).
   */
  signalPid(pid: number, signal: number, target: SignalTarget): boolean {
    if (pid === -1) {
      try {
        process.kill(-1, signal);
        return true;
      } catch {
        return false;
      }
    }
    if (pid <= 0) return false;
    return this.sendSignal(pid, this.foreignRefs.get(pid), signal, target === 'group');
  }

  /**
   * Delivers a signal. The base version uses kill(2); with group it signals the process's
   * group, except when that is the daemon's own group (then only the process).
   */
  protected sendSignal(
    pid: number,
    _ref: PidRef | undefined,
    signal: number,
    group: boolean,
  ): boolean {
    try {
      if (group && this.groupOf(pid) !== this.ownGroup()) {
        process.kill(-this.groupOf(pid), signal);
      } else {
        process.kill(pid, signal);
      }
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  /** The process group of pid (the pid itself when it cannot be read). */
  protected groupOf(pid: number): number {
    const g = this.libc?.getpgid(pid) ?? -1;
    return g > 0 ? g : pid;
  }

  protected ownGroup(): number {
    return this.libc?.getpgid(0) ?? -1;
  }

  /** A race-free reference to pid, if the platform has one (none in the base version). */
  protected openPidRef(_pid: number): PidRef | undefined {
    return undefined;
  }

  /** Whether a pid referenced by ref (or by number) still exists. */
  protected isAlive(pid: number, ref: PidRef | undefined): boolean {
    return this.sendSignal(pid, ref, 0, false);
  }

  /**
   * Watches a pid the daemon did not launch. Adopted children (we are their subreaper) are
   * reaped and report their real status; other pids report undefined, through watchForeign
   * (kernel notification) where the platform has it, else a 250 ms liveness poll.
   */
  watchPid(pid: number, onExit: (status: ExitStatus | undefined) => void): { cancel(): void } {
    let cancelled = false;
    const fire = (s: ExitStatus | undefined) => {
      if (!cancelled) {
        cancelled = true;
        onExit(s);
      }
    };
    const launched = this.children.get(pid);
    if (launched && !launched.finished) {
      // libuv reaps this one; its exit is reported through the launch record.
      (launched.watchers ??= []).push(fire);
      return {
        cancel: () => {
          cancelled = true;
          const i = launched.watchers?.indexOf(fire) ?? -1;
          if (i >= 0) launched.watchers?.splice(i, 1);
        },
      };
    }
    const reaper = this.reaper;
    const reaped = reaper?.recentlyReaped(pid) === true;
    // A reference opened now (before any reaping of this pid) lets signalPid reach this very
    // process and never a later one with a recycled pid (a pidfd on Linux).
    const ref = reaped ? undefined : this.openPidRef(pid);
    if (ref) this.foreignRefs.set(pid, ref);
    const releaseRef = () => {
      if (ref && this.foreignRefs.get(pid) === ref) this.foreignRefs.delete(pid);
      ref?.release();
    };
    const done = (s: ExitStatus | undefined) => {
      releaseRef();
      fire(s);
    };
    const viaSpawner = this.watchViaSpawner(pid, done, releaseRef);
    if (viaSpawner) return viaSpawner;
    if (reaper && (reaped || this.isOurChild(pid))) {
      const w = reaper.watch(pid, (s) => setImmediate(() => done(s)));
      // It may already be a zombie whose SIGCHLD came before we watched.
      setImmediate(() => reaper.reapAll());
      return {
        cancel: () => {
          cancelled = true;
          w.cancel();
          releaseRef();
        },
      };
    }
    const k = this.watchForeign(pid, done, ref);
    if (k) {
      return {
        cancel: () => {
          cancelled = true;
          k.cancel();
          releaseRef();
        },
      };
    }
    const stop = () => {
      clearInterval(iv);
      releaseRef();
    };
    const iv = setInterval(() => {
      if (!this.isAlive(pid, ref)) {
        stop();
        fire(undefined);
      }
    }, FOREIGN_POLL_MS);
    return {
      cancel: () => {
        cancelled = true;
        stop();
      },
    };
  }

  /** Watches a child of the spawner (launched or adopted); undefined if pid is not one. */
  private watchViaSpawner(
    pid: number,
    done: (s: ExitStatus) => void,
    releaseRef: () => void,
  ): { cancel(): void } | undefined {
    const sp = this.spawner;
    const onExit = (s: ExitStatus) => setImmediate(() => done(s));
    if (!sp?.watchExit(pid, onExit)) return undefined;
    return {
      cancel: () => {
        sp.unwatch(pid, onExit);
        releaseRef();
      },
    };
  }

  /** True if pid is a (possibly exited, unreaped) child of the daemon. */
  protected isOurChild(pid: number): boolean {
    if (!this.libc) return false;
    const info = Buffer.alloc(128);
    const w = this.wait;
    return this.libc.waitid(w.P_PID, pid, info, w.WEXITED | w.WNOHANG | w.WNOWAIT) === 0;
  }

  /**
   * Turns on orphan reaping (call when the daemon became a subreaper or is pid 1). Children
   * spawned through child_process are left to libuv; see reaper.ts for the method.
   */
  protected enableReaper(listChildren?: () => number[]): void {
    const libc = this.libc;
    if (!libc || this.reaper) return;
    installChildRegistry();
    const info = Buffer.alloc(128);
    const off = this.siginfo;
    const { P_ALL, P_PID, WNOHANG, WEXITED, WNOWAIT } = this.wait;
    const sys: ReapSys = {
      peek: () => {
        info.fill(0);
        if (libc.waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) !== 0) return undefined;
        const pid = readI32(info, off.pid);
        return pid > 0 ? { pid } : undefined;
      },
      reap: (pid) => {
        info.fill(0);
        if (libc.waitid(P_PID, pid, info, WEXITED | WNOHANG) !== 0) return undefined;
        if (readI32(info, off.pid) !== pid) return undefined;
        return exitStatusFromSiginfo(readI32(info, off.code), readI32(info, off.status));
      },
      listChildren,
    };
    this.reaper = new OrphanReaper({
      sys,
      isLibuvChild,
      log: (level, msg) => this.logFn(level, msg),
      now: () => this.now(),
      later: (ms, fn) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return () => clearTimeout(t);
      },
    });
    const reaper = this.reaper;
    this.sigchld = () => reaper.reapAll();
    process.on('SIGCHLD', this.sigchld);
    this.sweep = setInterval(() => reaper.reapAll(), REAP_SWEEP_MS);
    this.sweep.unref();
  }

  /** Stops background work (SIGCHLD listener, sweeps, timers). For tests and shutdown. */
  dispose(): void {
    this.spawner?.dispose();
    this.spawner = undefined;
    if (this.sigchld) process.off('SIGCHLD', this.sigchld);
    this.sigchld = undefined;
    if (this.sweep) clearInterval(this.sweep);
    this.reaper?.dispose();
    this.timers.dispose();
  }

  // ---- files, pipes, sockets --------------------------------------------------------------

  readPidFile(p: string): { ok: true; pid: number } | { ok: false; reason: string } {
    return readPidFileImpl(p, {
      isOurChild: (pid) =>
        this.reaper?.recentlyReaped(pid) === true ||
        this.isOurChild(pid) ||
        this.spawner?.knows(pid) === true,
      exists: (pid) => this.isAlive(pid, undefined),
      strerror: (e) => this.strerror(e),
    });
  }

  /** A pipe whose both ends the daemon holds, so a consumer restart loses nothing buffered. */
  createLogPipe(): LogPipe {
    const libc = this.requireLibc('log pipes (consumer-of)');
    const [r, w] = libc.pipeCloexec();
    return new PosixLogPipe(r, w, libc);
  }

  /**
   * Opens a listening unix socket at path (an existing file there is removed first), with
   * the given permissions and owner. Throws LaunchError with the errno on failure.
   */
  openActivationSocket(
    p: string,
    permissions: number,
    uid?: number,
    gid?: number,
  ): ActivationSocket {
    const libc = this.requireLibc('activation sockets');
    const stage = ExecStage.SETUP_ACTIVATION_SOCKET;
    // Messages use upstream's wording; the caller prefixes the service name.
    const error = (text: string, e?: number): never => {
      throw new LaunchError(e === undefined ? text : `${text}: ${this.strerror(e)}`, stage, e);
    };
    const addr = this.sockaddrUn(p);
    if (!addr) error('error binding activation socket', 36 /* ENAMETOOLONG */);
    try {
      // A stale socket is replaced; anything else at the path is left alone.
      if (!fs.statSync(toBytes(p)).isSocket())
        error('activation socket file exists (and is not a socket)');
    } catch (e) {
      if (e instanceof LaunchError) throw e;
      const errno = errnoOf(e);
      if (errno !== 2 /* ENOENT */) error('error checking activation socket', errno);
    }
    try {
      fs.unlinkSync(toBytes(p));
    } catch {
      // Nothing there, or bind() will report the problem.
    }
    const fd = libc.socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) error('error creating activation socket', libc.errno());
    libc.fcntl(fd, F_SETFD, FD_CLOEXEC);
    // Non-blocking, as upstream creates it (the flag is shared with the service).
    libc.fcntl(fd, F_SETFL, libc.fcntl(fd, F_GETFL, 0) | this.oNonblock);
    const fail = (text: string, e: number): never => {
      libc.close(fd);
      return error(text, e);
    };
    if (libc.bind(fd, addr as Buffer, (addr as Buffer).length) !== 0) {
      fail('error binding activation socket', libc.errno());
    }
    try {
      if (uid !== undefined || gid !== undefined) fs.chownSync(toBytes(p), uid ?? -1, gid ?? -1);
    } catch (e) {
      fail('error setting activation socket owner/group', errnoOf(e) ?? 0);
    }
    try {
      fs.chmodSync(toBytes(p), permissions & 0o7777);
    } catch (e) {
      fail('Error setting activation socket permissions', errnoOf(e) ?? 0);
    }
    if (libc.listen(fd, 128) !== 0) fail('error listening on activation socket', libc.errno());
    return new PosixActivationSocket(fd, libc);
  }

  /**
   * A new connection to the daemon's own control socket, for pass-cs-fd. connect() on a
   * listening unix socket completes at once (the kernel queues it until the server accepts).
   */
  private connectControl(p: string): number {
    const libc = this.requireLibc('pass-cs-fd');
    const stage = ExecStage.SETUP_CONTROL_SOCKET;
    const addr = this.sockaddrUn(p);
    if (!addr) throw new LaunchError(`${p}: ${this.strerror(36)}`, stage);
    const fd = libc.socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) throw new LaunchError(`control socket: ${this.strerror(libc.errno())}`, stage);
    libc.fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (libc.connect(fd, addr, addr.length) !== 0) {
      const e = libc.errno();
      libc.close(fd);
      throw new LaunchError(`connect ${p}: ${this.strerror(e)}`, stage);
    }
    return fd;
  }

  protected sockaddrUn(p: string): Buffer | undefined {
    const pathBytes = toBytes(p);
    if (pathBytes.length > 103) return undefined; // 104 on the BSDs, 108 on Linux, minus NUL
    const buf = Buffer.alloc(2 + pathBytes.length + 1);
    if (this.sockaddrKind === 'linux') {
      buf.writeUInt16LE(AF_UNIX, 0);
      if (nodeOs.endianness() === 'BE') buf.writeUInt16BE(AF_UNIX, 0);
    } else {
      buf.writeUInt8(buf.length, 0);
      buf.writeUInt8(AF_UNIX, 1);
    }
    pathBytes.copy(buf, 2);
    return buf;
  }

  private requireLibc(what: string): Libc {
    if (!this.libc) {
      throw new LaunchError(
        `${what} need the FFI layer (koffi), which could not be loaded`,
        ExecStage.ARRANGE_FDS,
      );
    }
    return this.libc;
  }

  /** Text for an errno, as the C library words it. */
  protected strerror(errno: number): string {
    if (this.libc) return this.libc.strerror(errno);
    return strerror(errno, nodeOs.constants.errno);
  }

  // ---- platform hooks ---------------------------------------------------------------------

  /** Path of the cgroup.procs file for a service cgroup, or undefined without cgroups. */
  protected cgroupProcsPath(_cgroup: string): string | undefined {
    return undefined;
  }

  /**
   * Watches a pid that is not our child through a kernel notification (kqueue on the BSDs, the
   * pidfd `ref` on Linux); undefined means "not available", and watchPid falls back to polling
   * every 250 ms. The caller owns ref and releases it after onExit or cancel.
   */
  protected watchForeign(
    _pid: number,
    _onExit: (s: ExitStatus | undefined) => void,
    _ref?: PidRef,
  ): { cancel(): void } | undefined {
    return undefined;
  }

  /** The helper instruction for capabilities/securebits; undefined where unsupported. */
  protected capsOps(_spec: ProcessSpec): string[] | undefined {
    return undefined;
  }

  /** Whether the exec helper can attach to a jail here. */
  protected jailSupported(): boolean {
    return false;
  }
}

/** What a launch through the spawner needs of the adapter. */
interface SpawnHost {
  readonly children: Map<number, ChildRecord>;
  spawner(): Spawner | undefined;
  libc(): Libc | undefined;
  attachOutput(pid: number, fd: number, sink: (chunk: Buffer) => void): void;
  attachRotated(pid: number, fd: number, spec: RotationSpec): void;
  strerror(errno: number): string;
}

/**
 * One launch through the spawner, from its request to its exit: the handle the core holds, the
 * adapter's record of the child and the spawner's callbacks, in one object (a running service
 * costs this, not a closure per callback). The readiness pipe is read only once exec is known
 * to have succeeded, so that the core sees exec success before readiness (they come through
 * different pipes).
 */
class SpawnedChild implements ChildRecord, SpawnCallbacks {
  pid = 0;
  ref: PidRef | undefined = undefined;
  finished = false;
  watchers: Array<(s: ExitStatus | undefined) => void> | undefined = undefined;
  readonly viaSpawner = true;
  heldSignals: Array<[number, boolean]> | undefined = undefined;
  startTime: string | undefined = undefined;
  /** The launch's fds, until the fork (or the failure) is reported. */
  private fds: LaunchFds | undefined;
  /** Where the output goes, until the fork is reported (not the whole spec: its environment). */
  private output: OutputSpec | undefined;
  private readinessFd: number | undefined;
  private readiness: net.Socket | undefined = undefined;

  constructor(
    private readonly host: SpawnHost,
    fds: LaunchFds,
    private readonly events: ProcessEvents,
    spec: ProcessSpec,
  ) {
    this.fds = fds;
    this.output = spec.output;
    this.readinessFd = spec.readiness ? fds.readinessReadFd : undefined;
  }

  sent(): void {
    this.fds?.closeChildCopies();
  }

  forked(pid: number): void {
    this.pid = pid;
    this.host.children.set(pid, this);
    const output = this.output;
    const fd = this.fds?.outputReadFd;
    if (output?.kind === 'buffer' && fd !== undefined) {
      this.host.attachOutput(pid, fd, output.sink);
    } else if (output?.kind === 'rotate' && fd !== undefined) {
      this.host.attachRotated(pid, fd, output);
    }
    this.fds = undefined;
    this.output = undefined;
    const held = this.heldSignals;
    this.heldSignals = undefined;
    for (const [signal, group] of held ?? []) this.host.spawner()?.signal(pid, signal, group);
    this.events.onSpawned?.(pid);
  }

  started(): void {
    if (this.finished) return;
    this.events.onExecSucceeded?.();
    this.readiness = readStream(this.readinessFd);
    this.readinessFd = undefined;
    if (this.readiness) watchReadiness(this.readiness, this, this.events);
  }

  failed(stage: number, errno: number): void {
    if (this.pid <= 0 && this.fds) {
      // Never forked: the daemon's ends of the pipes go too (readiness with finish).
      this.fds.readinessReadFd = undefined;
      this.fds.closeAll();
      this.fds = undefined;
    }
    this.finish(undefined);
    this.events.onExecFailed(stage, errno, this.host.strerror(errno));
  }

  exited(exit: ExitStatus): void {
    this.finish(exit);
    this.events.onExit(exit);
  }

  private finish(exit: ExitStatus | undefined): void {
    this.finished = true;
    if (this.pid > 0) this.host.children.delete(this.pid);
    this.readiness?.destroy();
    this.readiness = undefined;
    if (this.readinessFd !== undefined) this.host.libc()?.close(this.readinessFd);
    this.readinessFd = undefined;
    const watchers = this.watchers;
    this.watchers = undefined;
    for (const w of watchers ?? []) w(exit);
  }
}

/** errno (positive) of a Node system error, if it has one. */
function errnoOf(e: unknown): number | undefined {
  const n = (e as { errno?: unknown } | null)?.errno;
  if (typeof n === 'number') return Math.abs(n);
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const v = (nodeOs.constants.errno as Record<string, number>)[code];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A readable stream on a pipe read end the daemon holds, if there is one. */
function readStream(fd: number | undefined): net.Socket | undefined {
  return fd === undefined ? undefined : new net.Socket({ fd, readable: true, writable: false });
}

/** Reads a native-endian int32 (a siginfo_t field). */
function readI32(b: Buffer, off: number): number {
  return nodeOs.endianness() === 'LE' ? b.readInt32LE(off) : b.readInt32BE(off);
}

/**
 * The launch as child_process takes it: text, which Node encodes as UTF-8. Arguments, the
 * environment and paths are bytes; those that are not valid UTF-8 cannot go this way without
 * becoming other bytes, so the launch fails (EILSEQ, with a message) rather than pass them
 * changed. The spawner (the usual way) passes any bytes.
 */
function asText(
  cmd: SpawnCommand,
  env: Record<string, string>,
  cwd: string | undefined,
):
  | { file: string; args: string[]; args0: string; env: Record<string, string>; cwd?: string }
  | Failure {
  const bad: string[] = [];
  const conv = (s: string, what: string): string => {
    const t = toText(s);
    if (t === undefined) bad.push(what);
    return t ?? '';
  };
  const file = conv(cmd.file, 'the command');
  const args = cmd.args.map((a, i) => conv(a, `argument ${i + 1}`));
  const textEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) textEnv[conv(k, k)] = conv(v, `variable ${k}`);
  const textCwd = cwd === undefined ? undefined : conv(cwd, 'the working directory');
  if (bad.length > 0) {
    return {
      stage: ExecStage.DO_EXEC,
      errno: nodeOs.constants.errno.EILSEQ,
      message:
        `${bad.slice(0, 3).join(', ')}: bytes that are not UTF-8 cannot be passed without ` +
        `the native spawner (is DINIT_SPAWNER=off set, or the spawner not built?)`,
    };
  }
  return { file, args, args0: conv(cmd.file, ''), env: textEnv, cwd: textCwd };
}

/**
 * Opens a service log file as the helper would (append, create, never through a symlink) and
 * applies its owner and permissions. Returns the fd, or the errno of the failing step.
 */
function openLogFile(out: LogFileSpec): number | { errno: number } {
  const fd = openForAppend(out);
  if (typeof fd === 'object') return fd;
  try {
    applyOwnership(fd, out);
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    return { errno: errnoOf(e) ?? 0 };
  }
}

function checkDirectory(dir: string): number | undefined {
  try {
    const st = fs.statSync(toBytes(dir));
    return st.isDirectory() ? undefined : 20; /* ENOTDIR */
  } catch (e) {
    return errnoOf(e) ?? 2;
  }
}
