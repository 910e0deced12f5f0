// type = bgprocess: the launcher forks the daemon and exits; the daemon's pid comes from the pid
// file and is watched from then on, with smooth recovery relaunching the launcher.

import { cleanExit } from './base-proc-service';
import { ProcessService } from './process-service';

/** type = bgprocess: the launcher forks the daemon and exits; the daemon's pid comes from a file. */
export class BgprocService extends ProcessService {
  private watch: { cancel(): void } | undefined;

  protected override execSucceeded(): void {
    // Nothing yet: the launcher has to exit first.
  }

  protected override onReady(): void {}

  /**
   * The adopted process is the launcher, still running: the start goes on as usual, its exit
   * reads the pid file.
   */
  protected override resumeStarting(): void {
    this.armStartTimeout();
  }

  /** Read the pid file and watch the daemon. Returns 'ok', 'failed' or 'terminated'. */
  private readPidFile(): 'ok' | 'failed' | 'terminated' {
    const path = this.desc.pidFile ?? '';
    const r = this.os.readPidFile(path);
    if (!r.ok) {
      this.host.log('error', `${this.name}: ${r.reason}`);
      this.pid = -1;
      return 'failed';
    }
    const w = this.watchForeignPid(r.pid, (st, launch) => {
      if (this.launch !== launch) return;
      this.watch = undefined;
      this.foreignPidExited(st);
      this.set.processQueues();
    });
    if ('gone' in w) {
      // The daemon was gone already: the caller decides what that means.
      this.watch = undefined;
      this.recordMainExit(w.gone);
      this.launch = undefined;
      return 'terminated';
    }
    this.watch = w.watch;
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
        this.mainGoneWhileStopping();
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
