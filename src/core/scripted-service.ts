// type = scripted: a start command that must exit 0 for the service to be started, and an
// optional stop command run when it stops.

import type { ResumeEntry } from './api';
import { BaseProcessService, cleanExit } from './base-proc-service';
import { SIGINT } from './service';

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

  /**
   * A start command that was still running is taken back and awaited, its exit deciding the
   * start as usual; one that has finished meanwhile (its status lost) is run again. A service
   * already started is started without running anything.
   */
  protected override resume(entry: ResumeEntry): boolean {
    if (entry.state !== 'starting') return super.resume(entry);
    if (!this.adoptProcess(entry)) return false;
    this.armStartTimeout();
    return true;
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
        this.armTimer(this.desc.stopTimeoutMs, 'start-stop-timeout');
      }
      this.completeLaunch();
    }
  }
}
