// The part every process-based service shares (process, bgprocess, scripted): building the
// ProcessSpec, launching through the Os port, the one timer, restart delay and limits, and the
// handling of exec results and exits common to all three. Each type lives in its own file.

/*
 * The process sub-state
 * =====================
 *
 * Besides the service state (service.ts), a process-based record tracks its process:
 *
 *   pid, handle     the main process (for scripted services: the start or stop command while
 *                   it runs; for bgprocess, once started: the daemon named by the pid file,
 *                   with no handle), or -1 when there is none; 0 while a launch is in flight
 *                   (the adapter reports the pid with onSpawned).
 *   launch          the identity of the current launch. Events from an older launch (a process
 *                   we stopped tracking) are dropped by guard().
 *   waitingForExecStat
 *                   launched, exec result not reported yet (adapters with caps.execStatus).
 *                   An exit that arrives meanwhile is held until the exec result comes.
 *   trackingChild   set once a launch has exec'd (or a pid file named the daemon): from then on
 *                   a stop waits for the process to exit rather than counting it stopped.
 *   timerFor        what the one timer is armed for: a closed state, below (ProcessTimer).
 *
 * process services (process-service.ts) add the stop command and readiness:
 *
 *   stopPhase       where the stop of the current process stands: a closed state, 'none',
 *                   'issued' (term signal sent), 'command' (the stop command runs, its exec
 *                   result perhaps pending) or 'command-exited' (its exit held until the exec
 *                   result comes); see StopPhase there for the transitions.
 *   awaitingReady   a readiness notification is still awaited from the current process (at
 *                   start, and again after a smooth-recovery relaunch).
 *   doingSmoothRecovery
 *                   the process died while STARTED and is being relaunched without the service
 *                   leaving STARTED; cleared when the new process is up (or the relaunch fails).
 *
 * bgprocess services (bgproc-service.ts) hold the watch on the daemon's pid; scripted services
 * (scripted-service.ts) note interruptingStart: a stop sent SIGINT to the start command, whose
 * exit then ends the start.
 */

import { SERVICE_DEFAULTS, type ServiceDescription } from '../config/types';
import { LogBuffer } from './log-buffer';
import type { ResumeEntry } from './api';
import type {
  ActivationSocket,
  LogPipe,
  OutputSpec,
  ProcessEvents,
  ProcessHandle,
  ProcessSpec,
} from './os';
import {
  SIGINT,
  SIGKILL,
  ServiceRecord,
  type ServiceSetContext,
  PlaceholderService,
} from './service';
import { type ExitStatus, execStageDescription } from '../model';
import { LaunchError } from '../errors';
import { RestartBackoff } from './restart-backoff';
import { OneShotTimer } from './one-shot-timer';

/**
 * What the one timer of a process-based service is armed for:
 *
 *   'none'                no timer is armed.
 *   'restart-delay'       a relaunch waits until restart-delay has passed since the previous
 *                         launch (automatic restart or smooth recovery). A stop cancels it at
 *                         once: the start is then fully interrupted.
 *   'start-stop-timeout'  start-timeout while the process starts (or, in smooth recovery, while
 *                         readiness is awaited again); stop-timeout while it stops, including
 *                         after SIGINT interrupted a start. On expiry the service state decides:
 *                         stopping -> SIGKILL; a live process -> the start is cancelled.
 *
 * Arming the timer for one purpose replaces the other; an exit or exec failure of the process
 * cancels a start-stop-timeout but leaves a restart delay.
 */
export type ProcessTimer = 'none' | 'restart-delay' | 'start-stop-timeout';

export function cleanExit(st: ExitStatus | undefined): boolean {
  return st !== undefined && st.kind === 'exited' && st.code === 0;
}

/** One launched main or stop process; events from a process we no longer track are ignored. */
export interface Launch {
  handle: ProcessHandle | undefined;
}

/** An event a launch of the main process reports (the ProcessEvents calls, as one closed type). */
export type MainEvent =
  | { kind: 'spawned'; pid: number }
  | { kind: 'exit'; status: ExitStatus }
  | { kind: 'exec-failed'; stage: number; errno: number; message: string }
  | { kind: 'exec-succeeded' }
  | { kind: 'ready' }
  | { kind: 'readiness-closed' };

const EXEC_SUCCEEDED: MainEvent = { kind: 'exec-succeeded' };
const READY: MainEvent = { kind: 'ready' };
const READINESS_CLOSED: MainEvent = { kind: 'readiness-closed' };

/**
 * One launch of the main process, which is also the receiver of its events: it hands each to
 * its service, which acts on it only while this is the current launch. One small object per
 * launch, where a closure per event (and their contexts) cost several times as much memory for
 * every running service.
 */
class MainLaunch implements Launch, ProcessEvents {
  handle: ProcessHandle | undefined = undefined;
  constructor(private readonly svc: BaseProcessService) {}
  onSpawned(pid: number): void {
    this.svc.mainEvent(this, { kind: 'spawned', pid });
  }
  onExit(status: ExitStatus): void {
    this.svc.mainEvent(this, { kind: 'exit', status });
  }
  onExecFailed(stage: number, errno: number, message: string): void {
    this.svc.mainEvent(this, { kind: 'exec-failed', stage, errno, message });
  }
  onExecSucceeded(): void {
    this.svc.mainEvent(this, EXEC_SUCCEEDED);
  }
  onReady(): void {
    this.svc.mainEvent(this, READY);
  }
  onReadinessClosed(): void {
    this.svc.mainEvent(this, READINESS_CLOSED);
  }
}

/** The record has a variable (an own enumerable property). */
function hasKeys(r: Record<string, string> | undefined): boolean {
  for (const k in r) if (Object.prototype.hasOwnProperty.call(r, k)) return true;
  return false;
}

/** Common part of process, bgprocess and scripted services. */
export abstract class BaseProcessService extends ServiceRecord {
  declare desc: ServiceDescription;

  /** Main process (the start/stop script for scripted services while they run), or -1. */
  pid = -1;
  protected handle: ProcessHandle | undefined;
  /** Handle of the current launch (identity used to discard stale events). */
  protected launch: Launch | undefined;
  exitStatus: ExitStatus | undefined;
  execErr: { stage: number; errno: number } | undefined;

  /**
   * The one timer, armed for a restart delay or a start/stop timeout (see ProcessTimer); made
   * when first armed, as most loaded services never start.
   */
  private timer: OneShotTimer<Exclude<ProcessTimer, 'none'>> | undefined;
  protected lastStartTime = 0;
  /** The growing delay of consecutive automatic relaunches (only with restart-delay-max). */
  private backoff: RestartBackoff | undefined;
  protected restartIntervalTime = 0;
  protected restartIntervalCount = 0;
  /** Launched, exec result not reported yet (with caps.execStatus). */
  waitingForExecStat = false;
  /** Whether we will learn about the main process's exit. */
  protected trackingChild = false;

  protected socket: ActivationSocket | undefined;
  /** Output pipe for log-type = buffer/pipe; kept across restarts. */
  logPipe: LogPipe | undefined;
  logBuffer: LogBuffer | undefined;
  /**
   * Who follows the output of log-type = buffer (dinit-ts DTS_FOLLOW): each gets every chunk.
   * Made for the first follower.
   */
  outputFollowers: Set<(chunk: Buffer) => void> | undefined;
  /** How the main process last ended; unlike exitStatus, kept while a new process runs. */
  lastExit: ExitStatus | undefined;
  /** The producer this service consumes (consumer-of). */
  consumerFor: ServiceRecord | undefined;
  /** The watch on a process taken back from an earlier manager (see adoptProcess). */
  private adoptWatch: { cancel(): void } | undefined;

  constructor(set: ServiceSetContext, name: string, desc: ServiceDescription) {
    super(set, name, desc.type);
    this.desc = desc;
  }

  override getPid(): number {
    return this.pid;
  }

  override getExitStatus(): ExitStatus | undefined {
    return this.exitStatus;
  }

  // ---- timers ----

  /** What the one timer is armed for (see ProcessTimer). */
  protected get timerFor(): ProcessTimer {
    return this.timer?.purpose ?? 'none';
  }

  /** Arm the one timer for `purpose`, replacing whatever it was armed for. */
  protected armTimer(ms: number, purpose: Exclude<ProcessTimer, 'none'>): void {
    this.timer ??= new OneShotTimer(this.os, (expired) => {
      this.timerExpired(expired);
      this.set.processQueues();
    });
    this.timer.arm(ms, purpose);
  }

  protected clearTimer(): void {
    this.timer?.clear();
    // Made again when next armed: a running service holds no timer (nor its closure).
    this.timer = undefined;
  }

  /** Cancel a start-timeout or stop-timeout (a pending restart delay stays). */
  protected stopStopStartTimer(): void {
    if (this.timerFor === 'start-stop-timeout') this.clearTimer();
  }

  protected timerExpired(expired: ProcessTimer): void {
    switch (expired) {
      case 'restart-delay':
        // Restart delay over: relaunch (also during smooth recovery).
        this.doRestart();
        return;
      case 'start-stop-timeout':
      case 'none':
        if (this.state === 'stopping') {
          this.killWithFire();
        } else if (this.pid !== -1) {
          this.host.log(
            'warn',
            `Service ${this.name} with pid ${this.pid} exceeded allowed start time; cancelling.`,
          );
          this.interruptStart();
          this.stopReason = 'timedout';
          this.failedToStart(false, false);
        } else {
          this.doRestart();
        }
        return;
      default: {
        const never: never = expired;
        void never;
      }
    }
  }

  // ---- launching ----

  /**
   * Environment for the child, built in upstream's order: the global environment (Dinit's own
   * plus `dinitctl setenv`), filtered by the env-file's rules (`!clear` keeps only `!import`
   * names; otherwise `!unset` names are dropped); then DINIT_SERVICE; then the service's own
   * variables (passwd variables and env-file values, as the loader recorded them). The variables
   * Dinit sets at exec time (notify fd variable, LISTEN_FDS/LISTEN_PID, DINIT_CS_FD) are added by
   * the adapter on top of this.
   */
  protected buildEnv(): Record<string, string> {
    const global = this.set.environment();
    const rules = this.desc.envRules;
    // Nothing of the service's own: the global record itself, shared by every such launch
    // (which only reads it; the adapter copies it before adding a variable).
    const keepsAll = rules === undefined || (!rules.clear && rules.unset.length === 0);
    if (keepsAll && !this.desc.exportServiceName && !hasKeys(this.desc.env)) {
      return global;
    }
    let env: Record<string, string> = {};
    if (rules === undefined || !rules.clear) {
      // Most services unset nothing: one builtin copy instead of a loop.
      if (rules === undefined || rules.unset.length === 0) env = Object.assign(env, global);
      else {
        const unset = new Set(rules.unset);
        for (const k in global) if (!unset.has(k)) env[k] = global[k];
      }
    } else {
      for (const k of rules.import) {
        if (Object.prototype.hasOwnProperty.call(global, k)) env[k] = global[k];
      }
    }
    // `!clear` also discards DINIT_SERVICE, which upstream sets before reading the env-file; an
    // env-file that sets it again has it in `desc.env`.
    if (this.desc.exportServiceName && !rules?.clear) {
      const at = this.name.indexOf('@');
      env.DINIT_SERVICE = at >= 0 ? this.name.slice(0, at) : this.name;
    }
    if (this.desc.env) Object.assign(env, this.desc.env);
    return env;
  }

  protected outputSpec(onConsole: boolean): OutputSpec | undefined {
    if (onConsole) return { kind: 'inherit' };
    switch (this.desc.logType) {
      case 'none':
        return { kind: 'null' };
      case 'file':
        return this.logFileOutput();
      case 'buffer': {
        if (!this.logBuffer) this.logBuffer = new LogBuffer(this.desc.logBufferSize);
        this.logBuffer.max = this.desc.logBufferSize;
        this.logBuffer.keep = this.desc.logBufferKeep ?? 'oldest';
        const buf = this.logBuffer;
        const sink = (chunk: Buffer): void => {
          buf.append(chunk);
          if (this.outputFollowers) for (const f of this.outputFollowers) f(chunk);
        };
        return { kind: 'buffer', sink };
      }
      case 'pipe': {
        const pipe = this.getOutputPipe();
        if (!pipe) return undefined;
        return { kind: 'pipe', pipe };
      }
      default: {
        const never: never = this.desc.logType;
        return never;
      }
    }
  }

  /** log-type = file: the logfile, opened by the adapter on every start; no file, no output. */
  private logFileOutput(): OutputSpec {
    const d = this.desc;
    if (!d.logfile) return { kind: 'null' };
    if (d.logfileMaxSize !== undefined && d.logfileMaxSize > 0) {
      return {
        kind: 'rotate',
        path: d.logfile,
        permissions: d.logfilePermissions,
        uid: d.logfileUid,
        gid: d.logfileGid,
        maxSize: d.logfileMaxSize,
        maxFiles: d.logfileMaxFiles ?? SERVICE_DEFAULTS.logfileMaxFiles,
      };
    }
    return {
      kind: 'file',
      path: d.logfile,
      permissions: d.logfilePermissions,
      uid: d.logfileUid,
      gid: d.logfileGid,
    };
  }

  /** The output pipe of this producer, created on first use (consumer-of). */
  getOutputPipe(): LogPipe | undefined {
    if (!this.logPipe) {
      try {
        this.logPipe = this.os.createLogPipe();
      } catch (e) {
        this.host.log('error', `${this.name}: Can't open output pipe: ${(e as Error).message}`);
        return undefined;
      }
    }
    return this.logPipe;
  }

  /** Build the ProcessSpec for argv. */
  protected buildSpec(
    argv: string[],
    onConsole: boolean,
    forStop: boolean,
  ): ProcessSpec | undefined {
    const d = this.desc;
    const inForeground = onConsole && !d.options.sharesConsole;
    let output: OutputSpec | undefined;
    if (forStop) {
      // A stop command writes to the log file too, but never to the buffer or pipe.
      output = d.logType === 'file' ? this.logFileOutput() : { kind: 'null' };
    } else {
      output = this.outputSpec(onConsole);
      if (!output) return undefined;
    }
    let stdin: ProcessSpec['stdin'] = onConsole ? { kind: 'inherit' } : { kind: 'null' };
    if (!forStop && this.consumerFor) {
      const producer = this.consumerFor;
      const pipe =
        producer instanceof BaseProcessService || producer instanceof PlaceholderService
          ? getPipeOf(producer)
          : undefined;
      if (!pipe) return undefined;
      stdin = { kind: 'pipe', pipe };
    }
    const spec: ProcessSpec = {
      serviceName: this.name,
      argv,
      env: this.buildEnv(),
      workingDir: d.workingDir ?? d.serviceDir,
      stdin,
      output,
      newSession: !inForeground,
      onConsole: inForeground,
      unmaskIntr: d.options.unmaskIntr,
      nice: d.nice,
      ioprio: d.ioprio,
      oomScoreAdj: d.oomScoreAdj,
      cgroup: d.runInCgroup,
      capabilities: d.capabilities,
      securebits: d.securebits,
      noNewPrivs: d.options.noNewPrivs || undefined,
      jail: d.runInJail,
    };
    if (d.runAs) {
      spec.uid = d.runAs.uid;
      if (d.runAs.byName) {
        spec.gid = d.runAs.gid;
        spec.initgroupsUser = d.runAs.user;
      } else {
        spec.clearSupplementaryGroups = true;
        if (d.runAs.gid !== undefined) spec.gid = d.runAs.gid;
      }
    }
    const rl = d.rlimits;
    if (rl && (rl.nofile || rl.core || rl.data || rl.addrspace)) {
      spec.rlimits = {};
      if (rl.nofile) spec.rlimits.nofile = { ...rl.nofile };
      if (rl.core) spec.rlimits.core = { ...rl.core };
      if (rl.data) spec.rlimits.data = { ...rl.data };
      if (rl.addrspace) spec.rlimits.addrspace = { ...rl.addrspace };
    }
    if (this.socket) spec.activationSocket = this.socket;
    if (!forStop) {
      // sd_notify readiness is a socket, set up by ProcessService, not a pipe.
      if (d.readyNotification && d.readyNotification.kind !== 'notify')
        spec.readiness = { ...d.readyNotification };
      if (d.options.passCsFd) {
        spec.passControlSocket = true;
        const controlSocketPath = this.host.controlSocketPath();
        if (controlSocketPath !== undefined) spec.controlSocketPath = controlSocketPath;
      }
    }
    return spec;
  }

  /** Open the activation socket (socket-listen) if configured and not yet open. */
  protected openSocket(): boolean {
    const path = this.desc.socketListen;
    if (!path || this.socket) return true;
    try {
      this.socket = this.os.openActivationSocket(
        path,
        this.desc.socketPermissions,
        this.desc.socketUid,
        this.desc.socketGid,
      );
      return true;
    } catch (e) {
      this.host.log('error', `${this.name}: ${(e as Error).message}`);
      return false;
    }
  }

  protected override becomingInactive(): void {
    if (this.socket) {
      this.socket.close();
      this.socket = undefined;
    }
  }

  /**
   * Launch argv as the main process. Returns false when the launch could not be attempted.
   * When the adapter does not report exec success, success is assumed right after launch
   * (the caller finishes with completeLaunch()).
   */
  protected startPsProcess(argv: string[], onConsole: boolean): boolean {
    this.lastStartTime = this.os.now();
    if (this.logBuffer && this.desc.logType === 'buffer') this.logBuffer.noteRestart();
    const spec = this.buildSpec(argv, onConsole, false);
    if (!spec) return false;
    const launch = new MainLaunch(this);
    try {
      launch.handle = this.os.launch(spec, launch);
    } catch (e) {
      const msg = e instanceof LaunchError ? e.message : (e as Error).message;
      this.host.log('error', `${this.name}: could not launch: ${msg}`);
      return false;
    }
    this.launch = launch;
    this.handle = launch.handle;
    this.pid = launch.handle.pid;
    this.exitStatus = undefined;
    this.waitingForExecStat = this.os.caps.execStatus === true;
    if (this.pid > 0) this.launched();
    return true;
  }

  /** The main process has been launched (this.pid is set): for what follows a fork upstream. */
  protected launched(): void {}

  /**
   * The fork of an asynchronous launch is done. A start timeout counts from here, so that the
   * time the launch waited behind others (a burst of thousands) is not charged to the service.
   */
  private onMainSpawned(pid: number): void {
    if (this.pid !== 0) return;
    this.pid = pid;
    this.launched();
    if (this.timerFor === 'none' && this.state !== 'stopping') this.armStartTimeout();
  }

  /** For adapters without exec status: treat the launch as a successful exec, now. */
  protected completeLaunch(): void {
    if (this.os.caps.execStatus !== true && this.pid !== -1 && !this.waitingForExecStat) {
      this.execSucceeded();
    }
  }

  /**
   * An event of a launch of the main process (see MainLaunch): acted on only while that is the
   * current launch, then the queues drain. An exit first lets the type note it either way.
   */
  mainEvent(launch: Launch, e: MainEvent): void {
    if (e.kind === 'exit') this.beforeMainExit();
    if (this.launch !== launch) return;
    switch (e.kind) {
      case 'spawned':
        this.onMainSpawned(e.pid);
        break;
      case 'exit':
        this.onMainExit(e.status);
        break;
      case 'exec-failed':
        this.onMainExecFailed(e.stage, e.errno, e.message);
        break;
      case 'exec-succeeded':
        this.onMainExecSucceeded();
        break;
      case 'ready':
        this.onReady();
        break;
      case 'readiness-closed':
        this.onReadinessClosed();
        break;
      default: {
        const never: never = e;
        void never;
      }
    }
    this.set.processQueues();
  }

  /** Run fn for events of the current launch only, then drain the queues. */
  protected guard(launch: Launch, fn: () => void): void {
    if (this.launch !== launch) return;
    fn();
    this.set.processQueues();
  }

  private onMainExecSucceeded(): void {
    if (!this.waitingForExecStat) return;
    this.waitingForExecStat = false;
    this.execSucceeded();
    if (this.pid === -1) {
      // The process finished before its exec status arrived.
      this.handleExitStatus();
    }
  }

  private onMainExecFailed(stage: number, errno: number, message: string): void {
    this.waitingForExecStat = false;
    this.stopStopStartTimer();
    this.pid = -1;
    this.handle = undefined;
    this.launch = undefined;
    this.execErr = { stage, errno };
    this.host.log(
      'error',
      `${this.name}: execution failed - ${execStageDescription(stage)}: ${message}`,
    );
    this.execFailed();
  }

  private onMainExit(status: ExitStatus): void {
    this.recordMainExit(status);
    this.stopStopStartTimer();
    if (this.waitingForExecStat) {
      // Wait for the exec status before acting.
      return;
    }
    this.launch = undefined;
    this.handleExitStatus();
  }

  /** The main process is gone with status `st` (kept in lastExit too, across relaunches). */
  protected recordMainExit(st: ExitStatus): void {
    this.pid = -1;
    this.handle = undefined;
    this.exitStatus = st;
    this.lastExit = st;
  }

  /**
   * Makes `pid`, a process this service did not launch (a bgprocess daemon, a MAINPID=), the
   * main process, watched through the Os: a new launch identity, no handle, tracked. Its later
   * exit goes to `onExit` with that launch (compare it with this.launch). An adapter may find the
   * process gone from inside watchPid(): then there is no watch and the status is returned.
   */
  protected watchForeignPid(
    pid: number,
    onExit: (st: ExitStatus, launch: Launch) => void,
  ): { watch: { cancel(): void } } | { gone: ExitStatus } {
    const launch: Launch = { handle: undefined };
    this.launch = launch;
    this.pid = pid;
    this.handle = undefined;
    this.trackingChild = true;
    let inWatchCall = true;
    let gone: ExitStatus | undefined;
    const watch = this.os.watchPid(pid, (status) => {
      const st: ExitStatus = status ?? { kind: 'exited', code: 0 };
      if (inWatchCall) gone = st;
      else onExit(st, launch);
    });
    inWatchCall = false;
    return gone ? { gone } : { watch };
  }

  /** A watched process that this service did not launch is gone: like the exit of its own. */
  protected foreignPidExited(st: ExitStatus): void {
    this.recordMainExit(st);
    this.launch = undefined;
    this.stopStopStartTimer();
    this.handleExitStatus();
  }

  protected onReady(): void {}

  /**
   * Called when the main process's exit arrives, before the launch is checked: a service that
   * can hear from its process by another channel (sd_notify) takes in what is queued there.
   */
  protected beforeMainExit(): void {}

  protected onReadinessClosed(): void {}

  protected execSucceeded(): void {}

  protected abstract handleExitStatus(): void;

  protected abstract execFailed(): void;

  // ---- bring up / restart ----

  protected override bringUp(): boolean {
    if (!this.openSocket()) return false;
    if (this.inAutoRestart) {
      return this.restartPsProcess();
    }
    this.restartIntervalCount = 0;
    this.backoff?.reset();
    const d = this.desc;
    const ok = this.startPsProcess(
      d.command,
      d.options.startsOnConsole || d.options.runsOnConsole || d.options.sharesConsole,
    );
    this.restartIntervalTime = this.lastStartTime;
    if (ok) {
      this.armStartTimeout();
      this.completeLaunch();
    }
    return ok;
  }

  /** Relaunch after the restart delay, measured from the previous start. */
  protected restartPsProcess(): boolean {
    const since = this.os.now() - this.lastStartTime;
    const delay =
      this.desc.restartDelayMaxMs === undefined
        ? this.desc.restartDelayMs
        : (this.backoff ??= new RestartBackoff()).next(this.desc, since);
    if (delay <= since) {
      this.doRestart();
    } else {
      this.armTimer(delay - since, 'restart-delay');
    }
    return true;
  }

  protected doRestart(): void {
    this.clearTimer();
    this.restarts++;
    const wasState = this.state;
    const d = this.desc;
    if (!this.startPsProcess(d.command, this.haveConsole || d.options.sharesConsole)) {
      if (wasState === 'starting') {
        this.failedToStart();
      } else {
        this.unrecoverableStop();
      }
      this.set.processQueues();
    } else {
      this.armStartTimeout();
      this.completeLaunch();
    }
  }

  protected doSmoothRecovery(): void {
    if (!this.restartPsProcess()) {
      this.unrecoverableStop();
    }
  }

  /** Unexpected termination: force the stop, then restart at once if we are to restart. */
  protected handleUnexpectedTermination(): void {
    this.stopReason = 'terminated';
    this.forceStop = true;
    this.doStop();
    this.set.processQueues();
    if (this.state === 'stopping') {
      // Waiting for dependents; if restarting, start now (the relaunch is rate limited).
      if (this.desired === 'started' && !this.pinnedStopped) {
        this.initiateStart();
        this.set.processQueues();
      }
    }
  }

  protected override canInterruptStart(): boolean {
    return (
      this.timerFor === 'restart-delay' ||
      this.desc.options.startInterruptible ||
      super.canInterruptStart()
    );
  }

  protected override interruptStart(): boolean {
    if (this.timerFor === 'restart-delay') {
      this.clearTimer();
      return true;
    }
    this.host.log(
      'warn',
      `Interrupting start of service ${this.name} with pid ${this.pid} (with SIGINT).`,
    );
    this.killPg(SIGINT);
    if (this.desc.stopTimeoutMs !== 0) {
      this.armTimer(this.desc.stopTimeoutMs, 'start-stop-timeout');
    } else {
      this.stopStopStartTimer();
    }
    this.state = 'stopping';
    return false;
  }

  protected killWithFire(): void {
    if (this.pid !== -1) {
      this.host.log(
        'warn',
        `Service ${this.name} with pid ${this.pid} exceeded allowed stop time; killing.`,
      );
      this.killPg(SIGKILL);
    }
  }

  /** Signal the main process's group (or only the process with signal-process-only). */
  protected killPg(signo: number): void {
    const target = this.desc.options.signalProcessOnly ? 'process' : 'group';
    if (this.handle) this.os.signal(this.handle, signo, target);
    else if (this.pid > 0) this.os.signalPid(this.pid, signo, target);
  }

  protected override checkRestart(): boolean {
    const max = this.desc.restartLimitCount;
    if (max !== 0) {
      const now = this.os.now();
      if (now - this.restartIntervalTime < this.desc.restartLimitIntervalMs) {
        if (this.restartIntervalCount >= max) {
          this.host.log('error', `Service ${this.name} restarting too quickly; stopping.`);
          this.desired = 'stopped';
          return false;
        }
        ++this.restartIntervalCount;
      } else {
        this.restartIntervalTime = now;
        this.restartIntervalCount = 1;
      }
    }
    return true;
  }

  /** Log an unclean exit the way upstream does (not while stopping). */
  protected logUncleanExit(): void {
    const st = this.exitStatus;
    if (!st || cleanExit(st) || this.state === 'stopping') return;
    if (st.kind === 'exited') {
      this.host.log('error', `Service ${this.name} process terminated with exit code ${st.code}`);
    } else {
      this.host.log('error', `Service ${this.name} terminated due to signal ${st.signal}`);
    }
  }

  /** Send a signal to the main process for `dinitctl signal`. */
  sendSignal(sig: number): boolean {
    if (this.handle) return this.os.signal(this.handle, sig, 'process');
    return this.os.signalPid(this.pid, sig, 'process');
  }

  // ---- resuming from a journal ----

  /**
   * Takes the journal entry's running process back: watched through the Os (a pidfd on Linux),
   * its buffered output re-attached; its exit then goes to onAdoptedExit. Returns false when the
   * process is gone or the pid now names another process. Leaves the state as it is.
   */
  protected adoptProcess(entry: ResumeEntry): boolean {
    if (entry.pid <= 0 || entry.startTime === undefined || this.os.adopt === undefined) {
      return false;
    }
    const launch: Launch = { handle: undefined };
    this.launch = launch;
    const out =
      this.desc.logType === 'buffer'
        ? this.outputSpec(false)
        : this.desc.logType === 'file'
          ? this.logFileOutput()
          : undefined;
    const watch = this.os.adopt(
      {
        pid: entry.pid,
        startTime: entry.startTime,
        outputFd: entry.outputFd,
        outputIno: entry.outputIno,
        sink: out?.kind === 'buffer' ? out.sink : undefined,
        rotate: out?.kind === 'rotate' ? out : undefined,
      },
      (status) =>
        this.guard(launch, () => {
          this.adoptWatch = undefined;
          this.pid = -1;
          this.exitStatus = status ?? { kind: 'exited', code: 0 };
          this.launch = undefined;
          this.stopStopStartTimer();
          this.onAdoptedExit();
        }),
    );
    if (watch === undefined) {
      this.launch = undefined;
      return false;
    }
    this.adoptWatch = watch;
    this.pid = entry.pid;
    this.handle = undefined;
    this.trackingChild = true;
    this.exitStatus = undefined;
    this.lastStartTime = this.os.now();
    this.restartIntervalTime = this.lastStartTime;
    return true;
  }

  /** An adopted process exited (its status is in exitStatus): like any exit of ours. */
  protected onAdoptedExit(): void {
    this.handleExitStatus();
  }

  /**
   * Arms the start timeout, if there is one, for a start that goes on (launched or adopted);
   * for a launch still in flight, once it is forked (onMainSpawned).
   */
  protected armStartTimeout(): void {
    if (this.desc.startTimeoutMs !== 0 && this.pid !== 0)
      this.armTimer(this.desc.startTimeoutMs, 'start-stop-timeout');
    else this.stopStopStartTimer();
  }

  override dispose(): void {
    this.adoptWatch?.cancel();
    this.adoptWatch = undefined;
    this.clearTimer();
    this.becomingInactive();
    if (this.logPipe && !this.logConsumer) {
      this.logPipe.close();
      this.logPipe = undefined;
    }
  }
}

function getPipeOf(producer: ServiceRecord): LogPipe | undefined {
  if (producer instanceof BaseProcessService) return producer.getOutputPipe();
  if (producer instanceof PlaceholderService) {
    if (!producer.logPipe) producer.logPipe = producer.os.createLogPipe();
    return producer.logPipe;
  }
  return undefined;
}
