// type = process: a long-running process the daemon launched itself, with an optional stop
// command, readiness notification and smooth recovery.

import type { ExitStatus } from '../model';
import { execStageDescription } from '../model';
import { BaseProcessService, cleanExit, type Launch } from './base-proc-service';
import type { ResumeEntry } from './api';
import type { ProcessEvents, ProcessSpec } from './os';
import { SIGKILL } from './service';
import { Notifier } from './notify';

/**
 * Where the stop of the current process stands (process and bgprocess services):
 *
 *   'none'            no stop was issued to the current process; only here does bringDown act.
 *   'issued'          the term signal was sent (or the stop command is over): what is left is
 *                     the main process's own exit, which takes the service to STOPPED.
 *   'command'         the stop command runs; `execPending` until its exec result is reported
 *                     (adapters with caps.execStatus).
 *   'command-exited'  the stop command exited before its exec result came: its exit status is
 *                     held until then, as the main process's is.
 *
 * Transitions: bringDown takes 'none' to 'command' when a stop command was launched, else to
 * 'issued' (unless the process was never tracked: the service is then STOPPED at once). The stop
 * command's exit (once its exec is reported) or exec failure takes 'command' or 'command-exited'
 * to 'issued', or to 'none' with the service STOPPED when the main process is gone or untracked.
 * The main process's exit while STOPPING takes 'none' or 'issued' to 'none' and the service to
 * STOPPED; while the stop command is outstanding the state stays, and its end decides.
 */
type StopPhase =
  | { kind: 'none' }
  | { kind: 'issued' }
  | { kind: 'command'; launch: Launch; execPending: boolean }
  | { kind: 'command-exited'; launch: Launch; status: ExitStatus };

/** The phases without data, one object each for every service. */
const STOP_NONE: StopPhase = Object.freeze({ kind: 'none' });
const STOP_ISSUED: StopPhase = Object.freeze({ kind: 'issued' });

/** type = process: a long-running process, optionally with a stop-command and readiness. */
export class ProcessService extends BaseProcessService {
  /** An adopted process still starting was stopped, to be launched again (resumeStarting). */
  private relaunchAdopted = false;
  /** Where the stop of the current process stands (see StopPhase). */
  private stopPhase: StopPhase = STOP_NONE;
  doingSmoothRecovery = false;
  /** Readiness still awaited for the current process (also during smooth recovery). */
  protected awaitingReady = false;
  /** sd_notify socket, STATUS= text and watchdog; created on the first notify launch. */
  notifier: Notifier | undefined;
  /** The watch on a process named by MAINPID= (it is not the launched one). */
  private mainPidWatch: { cancel(): void } | undefined;

  protected override bringUp(): boolean {
    if (
      this.pid !== -1 &&
      this.stopPhase.kind === 'none' &&
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

  /**
   * Takes the running process back from the journal entry (see adoptProcess); returns false when
   * it is gone: start it anew. A process that was still starting stays STARTING (resumeStarting).
   */
  protected override resume(entry: ResumeEntry): boolean {
    if (!this.adoptProcess(entry)) return false;
    if (entry.state === 'starting') {
      this.resumeStarting();
      return true;
    }
    const heard = this.resumeNotify(entry);
    this.started();
    if (heard && this.state === 'started') this.notifier?.armWatchdog();
    return true;
  }

  /**
   * A started sd_notify service keeps talking to the socket it was launched with: it is bound
   * again (the old manager's went with it), so that STATUS= and the watchdog's pings are heard,
   * and the watchdog runs again from now. True when the socket is open.
   */
  private resumeNotify(entry: ResumeEntry): boolean {
    if (this.desc.readyNotification?.kind !== 'notify' || entry.notify === undefined) return false;
    if (!this.notifier) this.notifier = this.makeNotifier();
    const runAs = this.desc.runAs;
    return this.notifier.reopen(
      entry.notify,
      { uid: runAs?.uid, gid: runAs?.gid },
      this.os.sessionOf?.(entry.pid) ?? entry.pid,
    );
  }

  /**
   * The adopted process had not signalled readiness yet. Its readiness pipe went with the old
   * manager, so it never can: it is stopped (its term signal) and, once it has exited, launched
   * again with a new pipe, within the start timeout. Without readiness notification the exec was
   * all that was awaited, and the process is running: it is started.
   */
  protected resumeStarting(): void {
    if (!this.desc.readyNotification) return this.started();
    this.relaunchAdopted = true;
    this.killPg(this.desc.termSignal !== 0 ? this.desc.termSignal : SIGKILL);
    this.armStartTimeout();
  }

  protected override onAdoptedExit(): void {
    this.beforeMainExit();
    const relaunch = this.relaunchAdopted && this.state === 'starting';
    this.relaunchAdopted = false;
    if (relaunch) this.doRestart();
    else this.handleExitStatus();
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

  /**
   * With inittab-id / inittab-line, the process gets a utmp entry while it runs (upstream too);
   * with sd_notify, its session is the service's.
   */
  protected override launched(): void {
    const id = this.desc.inittabId ?? '';
    const line = this.desc.inittabLine ?? '';
    if (id !== '' || line !== '') this.os.utmpStarted?.(id, line, this.pid);
    this.notifier?.launched(this.pid);
  }

  private utmpEnded(): void {
    const id = this.desc.inittabId ?? '';
    const line = this.desc.inittabLine ?? '';
    if (id !== '' || line !== '') this.os.utmpEnded?.(id, line);
  }

  protected override handleExitStatus(): void {
    this.utmpEnded();
    this.awaitingReady = false;
    this.notifier?.processEnded();
    let current = this.state;
    this.logUncleanExit();
    if (this.timerFor === 'start-stop-timeout') {
      this.stopStopStartTimer();
      // Smooth recovery still waiting for readiness: treat as a failed start.
      if (current === 'started') current = 'starting';
    }
    if (current === 'starting') {
      this.stopReason = 'failed';
      this.failedToStart();
    } else if (current === 'stopping') {
      if (!this.waitingForDeps) {
        this.mainGoneWhileStopping();
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
    this.utmpEnded();
    this.awaitingReady = false;
    this.notifier?.processEnded();
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
    this.notifier?.disarmWatchdog();
    if (this.stopPhase.kind !== 'none') return;
    if (this.waitingForExecStat) return;
    if (this.pid !== -1) {
      let armed = false;
      if (this.desc.stopCommand.length > 0) {
        if (this.startStopProcess(this.desc.stopCommand)) {
          armed = true;
        } else {
          this.killPg(this.desc.termSignal !== 0 ? this.desc.termSignal : SIGKILL);
        }
      } else if (this.desc.termSignal !== 0) {
        this.killPg(this.desc.termSignal);
      }
      if (!armed && !this.trackingChild) {
        this.stopped();
        return;
      }
      if (!armed) this.stopPhase = STOP_ISSUED;
      if (this.desc.stopTimeoutMs !== 0) {
        this.armTimer(this.desc.stopTimeoutMs, 'start-stop-timeout');
      }
    } else {
      // Already dead (perhaps waiting to restart in smooth recovery).
      this.doingSmoothRecovery = false;
      if (this.timerFor === 'restart-delay') this.clearTimer();
      this.stopped();
    }
  }

  protected override killWithFire(): void {
    super.killWithFire();
    if (this.stopPhase.kind === 'command' && this.stopPhase.launch.handle) {
      this.host.log(
        'warn',
        `Service ${this.name} stop command, with pid ${this.pid}, exceeded allowed stop time; killing.`,
      );
      this.os.signal(this.stopPhase.launch.handle, SIGKILL, 'group');
    }
  }

  /** Launch the stop-command. */
  protected startStopProcess(argv: string[]): boolean {
    const spec = this.buildSpec(argv, false, true);
    if (!spec) return false;
    const launch: Launch = { handle: undefined };
    // Events of a stop command we no longer track are dropped.
    const done = (fn: (stop: Extract<StopPhase, { launch: Launch }>) => void) => {
      const stop = this.stopPhase;
      if (stop.kind !== 'command' && stop.kind !== 'command-exited') return;
      if (stop.launch !== launch) return;
      fn(stop);
      this.set.processQueues();
    };
    const events: ProcessEvents = {
      onExit: (status) =>
        done((stop) => {
          if (stop.kind === 'command-exited' || stop.execPending) {
            this.stopPhase = { kind: 'command-exited', launch, status };
            return;
          }
          this.stopPhase = STOP_ISSUED;
          this.handleStopExit(status);
        }),
      onExecFailed: (stage, _errno, message) =>
        done(() => {
          this.host.log(
            'error',
            `Service ${this.name}: could not fork for stop command: ${execStageDescription(stage)}: ${message}`,
          );
          this.stopPhase = STOP_ISSUED;
          if (this.pid !== -1) {
            if (this.desc.termSignal !== 0) this.killPg(this.desc.termSignal);
            if (!this.trackingChild) {
              this.stopPhase = STOP_NONE;
              this.stopped();
            }
          }
        }),
      onExecSucceeded: () =>
        done((stop) => {
          if (stop.kind === 'command') {
            this.stopPhase = { kind: 'command', launch, execPending: false };
            return;
          }
          this.stopPhase = STOP_ISSUED;
          this.handleStopExit(stop.status);
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
    this.stopPhase = { kind: 'command', launch, execPending: this.os.caps.execStatus === true };
    return true;
  }

  /** The stop command is over (exit reported, exec reported): log a failure, maybe STOPPED. */
  protected handleStopExit(st: ExitStatus): void {
    if (!cleanExit(st)) {
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
      this.stopPhase = STOP_NONE;
      this.stopped();
    }
  }

  /**
   * The main process is gone while STOPPING: the service is STOPPED, unless the stop command is
   * still outstanding (its end then decides).
   */
  protected mainGoneWhileStopping(): void {
    if (this.stopPhase.kind === 'command' || this.stopPhase.kind === 'command-exited') return;
    this.stopPhase = STOP_NONE;
    this.stopped();
  }

  // ---- sd_notify (ready-notification = notify; see notify.ts) ----

  /** With sd_notify readiness, a new socket for each launch, named in the environment. */
  protected override buildSpec(
    argv: string[],
    onConsole: boolean,
    forStop: boolean,
  ): ProcessSpec | undefined {
    const spec = super.buildSpec(argv, onConsole, forStop);
    if (!spec || forStop || this.desc.readyNotification?.kind !== 'notify') return spec;
    if (!this.notifier) this.notifier = this.makeNotifier();
    const runAs = this.desc.runAs;
    const env = this.notifier.open(
      { uid: runAs?.uid, gid: runAs?.gid },
      this.desc.watchdogTimeoutMs ?? 0,
    );
    if (!env) return undefined;
    // A copy: the spec's environment may be the global record itself (buildEnv).
    spec.env = { ...spec.env, ...env };
    return spec;
  }

  protected override startPsProcess(argv: string[], onConsole: boolean): boolean {
    this.mainPidWatch?.cancel();
    this.mainPidWatch = undefined;
    const ok = super.startPsProcess(argv, onConsole);
    if (!ok) this.notifier?.processEnded();
    return ok;
  }

  protected override beforeMainExit(): void {
    this.notifier?.drain();
  }

  /** A watchdog timeout is a failure, whatever the exit status it led to. */
  protected override wantsAutoRestart(): boolean {
    if (this.notifier?.watchdogFired === true && this.autoRestart !== 'never') return true;
    return super.wantsAutoRestart();
  }

  private makeNotifier(): Notifier {
    return new Notifier(
      {
        name: this.name,
        mainPid: () => this.pid,
        notifyReady: () => {
          this.messageMeansExeced();
          this.onReady();
          if (this.state === 'started' && !this.awaitingReady) this.notifier?.armWatchdog();
        },
        notifyMainPid: (pid) => this.takeMainPid(pid),
        killMain: (signal) => this.killPg(signal),
        stopTimeoutMs: () => this.desc.stopTimeoutMs,
      },
      this.os,
      this.host,
      () => this.set.processQueues(),
    );
  }

  /**
   * MAINPID=n: n is the supervised process from now on, watched as a bgprocess daemon is; the
   * launched process's own exit no longer counts.
   */
  private takeMainPid(pid: number): void {
    if (this.state !== 'starting' && this.state !== 'started') return;
    this.messageMeansExeced();
    this.mainPidWatch?.cancel();
    const w = this.watchForeignPid(pid, (st, launch) => {
      this.beforeMainExit();
      if (this.launch !== launch) return;
      this.mainPidWatch = undefined;
      this.foreignPidExited(st);
      this.set.processQueues();
    });
    if ('gone' in w) this.foreignPidExited(w.gone);
    else this.mainPidWatch = w.watch;
  }

  /**
   * A process that sends sd_notify messages has exec'd, even if the exec status (another
   * channel) has not said so yet: take it as said, so readiness is not missed.
   */
  private messageMeansExeced(): void {
    if (!this.waitingForExecStat) return;
    this.waitingForExecStat = false;
    this.execSucceeded();
  }

  override dispose(): void {
    super.dispose();
    this.notifier?.dispose();
    this.mainPidWatch?.cancel();
    this.mainPidWatch = undefined;
    if (this.consumerFor) {
      if (this.consumerFor.logConsumer === this) this.consumerFor.logConsumer = undefined;
      this.consumerFor = undefined;
    }
  }
}
