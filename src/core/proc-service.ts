// Process-based services: process, bgprocess and scripted. They launch through the Os port,
// supervise the process (restart policy, limits, timeouts, smooth recovery) and react to
// exits, exec failures, readiness and pid files with upstream's messages.

import type { ServiceDescription } from '../config/types';
import { LogBuffer } from './log-buffer';
import type {
  ActivationSocket,
  LogPipe,
  OutputSpec,
  ProcessEvents,
  ProcessHandle,
  ProcessSpec,
  TimerHandle,
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

function cleanExit(st: ExitStatus | undefined): boolean {
  return st !== undefined && st.kind === 'exited' && st.code === 0;
}

/** One launched main or stop process; events from a process we no longer track are ignored. */
interface Launch {
  handle: ProcessHandle | undefined;
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

  protected timer: TimerHandle | undefined;
  protected waitingRestartTimer = false;
  protected waitingStopStartTimer = false;
  protected lastStartTime = 0;
  protected restartIntervalTime = 0;
  protected restartIntervalCount = 0;
  /** Whether we will learn about the main process's exit. */
  protected trackingChild = false;

  protected socket: ActivationSocket | undefined;
  /** Output pipe for log-type = buffer/pipe; kept across restarts. */
  logPipe: LogPipe | undefined;
  logBuffer: LogBuffer | undefined;
  /** The producer this service consumes (consumer-of). */
  consumerFor: ServiceRecord | undefined;

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

  protected armTimer(ms: number): void {
    this.clearTimer();
    this.timer = this.os.setTimer(ms, () => {
      this.timer = undefined;
      this.timerExpired();
      this.set.processQueues();
    });
  }

  protected clearTimer(): void {
    if (this.timer) {
      this.os.clearTimer(this.timer);
      this.timer = undefined;
    }
  }

  protected stopStopStartTimer(): void {
    if (this.waitingStopStartTimer) {
      this.clearTimer();
      this.waitingStopStartTimer = false;
    }
  }

  protected timerExpired(): void {
    if (this.waitingRestartTimer) {
      // Restart delay over: relaunch (also during smooth recovery).
      this.doRestart();
      return;
    }
    this.waitingStopStartTimer = false;
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
    const env: Record<string, string> = {};
    if (rules === undefined || !rules.clear) {
      const unset = new Set(rules?.unset ?? []);
      for (const [k, v] of Object.entries(global)) if (!unset.has(k)) env[k] = v;
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
        if (!this.desc.logfile) return { kind: 'null' };
        return {
          kind: 'file',
          path: this.desc.logfile,
          permissions: this.desc.logfilePermissions,
          uid: this.desc.logfileUid,
          gid: this.desc.logfileGid,
        };
      case 'buffer': {
        if (!this.logBuffer) this.logBuffer = new LogBuffer(this.desc.logBufferSize);
        this.logBuffer.max = this.desc.logBufferSize;
        const buf = this.logBuffer;
        return { kind: 'buffer', sink: (chunk: Buffer) => void buf.append(chunk) };
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
      output =
        d.logType === 'file' && d.logfile
          ? {
              kind: 'file',
              path: d.logfile,
              permissions: d.logfilePermissions,
              uid: d.logfileUid,
              gid: d.logfileGid,
            }
          : { kind: 'null' };
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
      if (d.readyNotification) spec.readiness = { ...d.readyNotification };
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
    const launch: Launch = { handle: undefined };
    const events: ProcessEvents = {
      onExit: (status) => this.guard(launch, () => this.onMainExit(status)),
      onExecFailed: (stage, errno, message) =>
        this.guard(launch, () => this.onMainExecFailed(stage, errno, message)),
      onReady: () => this.guard(launch, () => this.onReady()),
      onReadinessClosed: () => this.guard(launch, () => this.onReadinessClosed()),
      onExecSucceeded: () => this.guard(launch, () => this.onMainExecSucceeded()),
    };
    try {
      launch.handle = this.os.launch(spec, events);
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
    return true;
  }

  /** For adapters without exec status: treat the launch as a successful exec, now. */
  protected completeLaunch(): void {
    if (this.os.caps.execStatus !== true && this.pid !== -1 && !this.waitingForExecStat) {
      this.execSucceeded();
    }
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
    this.pid = -1;
    this.handle = undefined;
    this.exitStatus = status;
    this.stopStopStartTimer();
    if (this.waitingForExecStat) {
      // Wait for the exec status before acting.
      return;
    }
    this.launch = undefined;
    this.handleExitStatus();
  }

  protected onReady(): void {}

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
    const d = this.desc;
    const ok = this.startPsProcess(
      d.command,
      d.options.startsOnConsole || d.options.runsOnConsole || d.options.sharesConsole,
    );
    this.restartIntervalTime = this.lastStartTime;
    if (ok) {
      if (d.startTimeoutMs !== 0) {
        this.armTimer(d.startTimeoutMs);
        this.waitingStopStartTimer = true;
      } else {
        this.stopStopStartTimer();
      }
      this.completeLaunch();
    }
    return ok;
  }

  /** Relaunch after the restart delay, measured from the previous start. */
  protected restartPsProcess(): boolean {
    const since = this.os.now() - this.lastStartTime;
    const delay = this.desc.restartDelayMs;
    if (delay <= since) {
      this.doRestart();
    } else {
      this.armTimer(delay - since);
      this.waitingRestartTimer = true;
    }
    return true;
  }

  protected doRestart(): void {
    this.waitingRestartTimer = false;
    this.clearTimer();
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
      if (d.startTimeoutMs !== 0) {
        this.armTimer(d.startTimeoutMs);
        this.waitingStopStartTimer = true;
      }
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
      this.waitingRestartTimer || this.desc.options.startInterruptible || super.canInterruptStart()
    );
  }

  protected override interruptStart(): boolean {
    if (this.waitingRestartTimer) {
      this.clearTimer();
      this.waitingRestartTimer = false;
      return true;
    }
    this.host.log(
      'warn',
      `Interrupting start of service ${this.name} with pid ${this.pid} (with SIGINT).`,
    );
    this.killPg(SIGINT);
    if (this.desc.stopTimeoutMs !== 0) {
      this.armTimer(this.desc.stopTimeoutMs);
      this.waitingStopStartTimer = true;
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

  override dispose(): void {
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

/** type = process: a long-running process, optionally with a stop-command and readiness. */
export class ProcessService extends BaseProcessService {
  protected stopIssued = false;
  protected stopPid = -1;
  protected stopLaunch: Launch | undefined;
  protected stopStatus: ExitStatus | undefined;
  protected waitingForStopExecStat = false;
  doingSmoothRecovery = false;
  /** Readiness still awaited for the current process (also during smooth recovery). */
  protected awaitingReady = false;

  protected override bringUp(): boolean {
    if (
      this.pid !== -1 &&
      !this.stopIssued &&
      !this.waitingForExecStat &&
      !this.doingSmoothRecovery
    ) {
      // A stop that was still waiting for dependents was cancelled: the process was never
      // signalled and is still running, so there is nothing to launch.
      this.started();
      return true;
    }
    return super.bringUp();
  }

  protected override execSucceeded(): void {
    this.trackingChild = true;
    if (this.state === 'starting') {
      if (this.desc.readyNotification) {
        this.awaitingReady = true;
      } else {
        this.stopStopStartTimer();
        this.started();
      }
    } else if (this.state === 'started') {
      // Smooth recovery: complete now unless readiness is awaited again.
      if (this.desc.readyNotification) {
        this.awaitingReady = true;
      } else {
        this.stopStopStartTimer();
        this.doingSmoothRecovery = false;
      }
    } else if (this.state === 'stopping') {
      // A stop arrived during smooth recovery; proceed with it now.
      if (this.stopCheckDependents()) this.bringDown();
    }
  }

  protected override onReady(): void {
    if (!this.awaitingReady) return;
    this.awaitingReady = false;
    if (this.state === 'starting') {
      this.stopStopStartTimer();
      this.started();
    } else if (this.state === 'started') {
      this.stopStopStartTimer();
      this.doingSmoothRecovery = false;
    }
  }

  /** The process closed its readiness pipe without notifying: the start fails. */
  protected override onReadinessClosed(): void {
    if (!this.awaitingReady || this.state !== 'starting') return;
    this.awaitingReady = false;
    this.stopStopStartTimer();
    this.state = 'stopping';
    this.failedToStart(false, false);
    this.bringDown();
  }

  protected override handleExitStatus(): void {
    this.awaitingReady = false;
    let current = this.state;
    this.logUncleanExit();
    if (this.waitingStopStartTimer) {
      this.stopStopStartTimer();
      // Smooth recovery still waiting for readiness: treat as a failed start.
      if (current === 'started') current = 'starting';
    }
    if (current === 'starting') {
      this.stopReason = 'failed';
      this.failedToStart();
    } else if (current === 'stopping') {
      if (!this.waitingForDeps) {
        if (this.stopPid === -1 && !this.waitingForStopExecStat) {
          this.stopIssued = false;
          this.stopped();
        }
      } else if (this.desired === 'started' && !this.pinnedStopped) {
        this.initiateStart();
      }
    } else if (this.smoothRecovery && current === 'started' && this.checkRestart()) {
      this.doingSmoothRecovery = true;
      this.doSmoothRecovery();
      return;
    } else {
      this.handleUnexpectedTermination();
    }
  }

  protected override execFailed(): void {
    this.awaitingReady = false;
    if (this.state === 'starting') {
      this.stopReason = 'execfailed';
      this.state = 'stopping';
      this.failedToStart();
    } else {
      // Smooth recovery relaunch failed.
      this.doingSmoothRecovery = false;
      this.stopReason = 'terminated';
      this.unrecoverableStop();
    }
  }

  protected override bringDown(): void {
    if (this.stopPid !== -1 || this.stopIssued) return;
    if (this.waitingForExecStat) return;
    if (this.pid !== -1) {
      let armed = false;
      if (this.desc.stopCommand.length > 0 && !this.stopIssued) {
        if (this.startStopProcess(this.desc.stopCommand)) {
          armed = true;
        } else {
          this.killPg(this.desc.termSignal !== 0 ? this.desc.termSignal : SIGKILL);
        }
      } else if (this.desc.termSignal !== 0) {
        this.killPg(this.desc.termSignal);
      }
      if (!armed && this.stopPid === -1 && !this.trackingChild) {
        this.stopped();
        return;
      }
      this.stopIssued = true;
      if (this.desc.stopTimeoutMs !== 0) {
        this.armTimer(this.desc.stopTimeoutMs);
        this.waitingStopStartTimer = true;
      }
    } else {
      // Already dead (perhaps waiting to restart in smooth recovery).
      this.doingSmoothRecovery = false;
      if (this.waitingRestartTimer) {
        this.clearTimer();
        this.waitingRestartTimer = false;
      }
      this.stopped();
    }
  }

  protected override killWithFire(): void {
    super.killWithFire();
    if (this.stopPid !== -1 && this.stopLaunch?.handle) {
      this.host.log(
        'warn',
        `Service ${this.name} stop command, with pid ${this.pid}, exceeded allowed stop time; killing.`,
      );
      this.os.signal(this.stopLaunch.handle, SIGKILL, 'group');
    }
  }

  /** Launch the stop-command. */
  protected startStopProcess(argv: string[]): boolean {
    const spec = this.buildSpec(argv, false, true);
    if (!spec) return false;
    const launch: Launch = { handle: undefined };
    const done = (fn: () => void) => {
      if (this.stopLaunch !== launch) return;
      fn();
      this.set.processQueues();
    };
    const events: ProcessEvents = {
      onExit: (status) =>
        done(() => {
          this.stopPid = -1;
          this.stopStatus = status;
          if (this.waitingForStopExecStat) return;
          this.stopLaunch = undefined;
          this.handleStopExit();
        }),
      onExecFailed: (stage, _errno, message) =>
        done(() => {
          this.waitingForStopExecStat = false;
          this.host.log(
            'error',
            `Service ${this.name}: could not fork for stop command: ${execStageDescription(stage)}: ${message}`,
          );
          this.stopPid = -1;
          this.stopLaunch = undefined;
          if (this.pid !== -1) {
            if (this.desc.termSignal !== 0) this.killPg(this.desc.termSignal);
            if (!this.trackingChild) {
              this.stopIssued = false;
              this.stopped();
            }
          }
        }),
      onExecSucceeded: () =>
        done(() => {
          this.waitingForStopExecStat = false;
          if (this.stopPid === -1) {
            this.stopLaunch = undefined;
            this.handleStopExit();
          }
        }),
    };
    try {
      launch.handle = this.os.launch(spec, events);
    } catch (e) {
      this.host.log(
        'error',
        `${this.name}: could not fork (for stop command): ${(e as Error).message}`,
      );
      return false;
    }
    this.stopLaunch = launch;
    this.stopPid = launch.handle.pid;
    this.waitingForStopExecStat = this.os.caps.execStatus === true;
    return true;
  }

  protected handleStopExit(): void {
    const st = this.stopStatus;
    if (st && !cleanExit(st)) {
      if (st.kind === 'exited') {
        this.host.log(
          'error',
          `Service ${this.name} stop command terminated with exit code ${st.code}`,
        );
      } else {
        this.host.log(
          'error',
          `Service ${this.name} stop command terminated due to signal ${st.signal}`,
        );
      }
    }
    if (this.pid === -1 || !this.trackingChild) {
      this.stopIssued = false;
      this.stopped();
    }
  }

  override dispose(): void {
    super.dispose();
    if (this.consumerFor) {
      if (this.consumerFor.logConsumer === this) this.consumerFor.logConsumer = undefined;
      this.consumerFor = undefined;
    }
  }
}

/** type = bgprocess: the launcher forks the daemon and exits; the daemon's pid comes from a file. */
export class BgprocService extends ProcessService {
  private watch: { cancel(): void } | undefined;

  protected override execSucceeded(): void {
    // Nothing yet: the launcher has to exit first.
  }

  protected override onReady(): void {}

  /** Read the pid file and watch the daemon. Returns 'ok', 'failed' or 'terminated'. */
  private readPidFile(): 'ok' | 'failed' | 'terminated' {
    const path = this.desc.pidFile ?? '';
    const r = this.os.readPidFile(path);
    if (!r.ok) {
      this.host.log('error', `${this.name}: ${r.reason}`);
      this.pid = -1;
      return 'failed';
    }
    this.pid = r.pid;
    this.handle = undefined;
    this.trackingChild = true;
    const launch: Launch = { handle: undefined };
    this.launch = launch;
    // An adapter may report a daemon that is already gone from inside watchPid().
    let inWatchCall = true;
    let immediate: ExitStatus | undefined;
    this.watch = this.os.watchPid(r.pid, (status) => {
      const st: ExitStatus = status ?? { kind: 'exited', code: 0 };
      if (inWatchCall) {
        immediate = st;
        return;
      }
      if (this.launch !== launch) return;
      this.watch = undefined;
      this.pid = -1;
      this.exitStatus = st;
      this.launch = undefined;
      this.stopStopStartTimer();
      this.handleExitStatus();
      this.set.processQueues();
    });
    inWatchCall = false;
    if (immediate) {
      this.watch = undefined;
      this.pid = -1;
      this.exitStatus = immediate;
      this.launch = undefined;
      return 'terminated';
    }
    return 'ok';
  }

  protected override handleExitStatus(): void {
    // The launcher exited (STARTING) or the daemon did (later). Loop instead of recursing when
    // the daemon turns out to have exited already.
    for (;;) {
      const st = this.exitStatus;
      const current = this.state;
      this.logUncleanExit();
      this.stopStopStartTimer();

      if (this.doingSmoothRecovery) {
        this.doingSmoothRecovery = false;
        const failed = !cleanExit(st);
        if (current === 'stopping') {
          if (failed) {
            if (!this.waitingForDeps) this.stopped();
            else if (this.desired === 'started' && !this.pinnedStopped) this.initiateStart();
          } else if (this.desc.pidFile) {
            const r = this.readPidFile();
            if (this.waitingForDeps) return;
            if (r === 'ok') this.bringDown();
            else this.stopped();
          }
          return;
        }
        let needStop = failed;
        if (!failed && this.desc.pidFile) {
          const r = this.readPidFile();
          if (r === 'failed') needStop = true;
          else if (r === 'terminated') continue;
        }
        if (needStop) {
          this.stopReason = 'terminated';
          this.unrecoverableStop();
        }
        return;
      }

      if (current === 'starting') {
        if (cleanExit(st)) {
          const r = this.readPidFile();
          if (r === 'failed') {
            this.stopReason = 'failed';
            this.failedToStart();
          } else if (r === 'terminated') {
            this.stopStopStartTimer();
            this.started();
            continue;
          } else {
            this.stopStopStartTimer();
            this.started();
          }
        } else {
          this.stopReason = 'failed';
          this.failedToStart();
        }
      } else if (current === 'stopping') {
        if (this.stopPid === -1 && !this.waitingForStopExecStat) {
          this.stopIssued = false;
          this.stopped();
        }
      } else {
        if (this.smoothRecovery && this.desired === 'started' && this.checkRestart()) {
          this.doingSmoothRecovery = true;
          this.doSmoothRecovery();
          if (this.state !== 'started') this.doingSmoothRecovery = false;
          return;
        }
        this.handleUnexpectedTermination();
      }
      return;
    }
  }

  protected override execFailed(): void {
    if (this.doingSmoothRecovery) {
      this.doingSmoothRecovery = false;
      this.stopReason = 'terminated';
      this.unrecoverableStop();
    } else {
      this.stopReason = 'execfailed';
      this.state = 'stopping';
      this.failedToStart();
    }
  }

  override dispose(): void {
    this.watch?.cancel();
    this.watch = undefined;
    super.dispose();
  }
}

/** type = scripted: a start command and an optional stop command. */
export class ScriptedService extends BaseProcessService {
  private interruptingStart = false;

  protected override interruptStart(): boolean {
    // While waiting to restart the start is fully interrupted; otherwise SIGINT was sent.
    this.interruptingStart = !super.interruptStart();
    return !this.interruptingStart;
  }

  protected override handleExitStatus(): void {
    const st = this.exitStatus;
    const current = this.state;
    if (current === 'stopping') {
      if (this.interruptingStart) {
        this.stopStopStartTimer();
        if (st?.kind === 'exited' && st.code !== 0) {
          this.host.log('notice', `Service ${this.name} start cancelled; exit code ${st.code}`);
          // A start command that failed needs no cleanup.
          this.stopped();
        } else {
          if (st?.kind === 'signalled') {
            this.host.log(
              'notice',
              `Service ${this.name} start cancelled from signal ${st.signal}`,
            );
          }
          // Completed or interrupted by us: run the stop command to clean up.
          this.bringDown();
        }
        this.interruptingStart = false;
      } else if (cleanExit(st)) {
        this.stopped();
      } else {
        if (st?.kind === 'exited') {
          this.host.log(
            'warn',
            `Service ${this.name} stop command failed with exit code ${st.code}`,
          );
        } else if (st?.kind === 'signalled') {
          this.host.log(
            'warn',
            `Service ${this.name} stop command terminated due to signal ${st.signal}`,
          );
        }
        // Consider it stopped anyway so that dependencies can stop.
        this.stopped();
      }
    } else {
      if (cleanExit(st)) {
        this.stopStopStartTimer();
        this.started();
      } else if (st?.kind === 'signalled' && st.signal === SIGINT && this.desc.options.skippable) {
        // Skipped by an interrupt (e.g. ^C on the console).
        this.stopStopStartTimer();
        this.startSkipped = true;
        this.started();
      } else {
        if (st?.kind === 'exited') {
          this.host.log('error', `Service ${this.name} command failed with exit code ${st.code}`);
        } else if (st?.kind === 'signalled') {
          this.host.log(
            'error',
            `Service ${this.name} command terminated due to signal ${st.signal}`,
          );
        }
        this.stopReason = 'failed';
        this.failedToStart();
      }
    }
  }

  protected override execFailed(): void {
    if (this.state === 'starting') {
      this.stopReason = 'execfailed';
      this.failedToStart();
    } else if (this.state === 'stopping') {
      this.stopped();
    }
  }

  protected override bringDown(): void {
    if (this.pid !== -1) return; // the stop command (or start command) is still running
    if (this.desc.stopCommand.length === 0) {
      this.stopped();
    } else if (!this.startPsProcess(this.desc.stopCommand, false)) {
      this.stopped();
    } else {
      if (this.desc.stopTimeoutMs !== 0) {
        this.armTimer(this.desc.stopTimeoutMs);
        this.waitingStopStartTimer = true;
      }
      this.completeLaunch();
    }
  }
}
