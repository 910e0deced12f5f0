// Text that dinitctl prints about services: the `list` line, the `status` block, and the
// reasons a start failed. Pure functions of the status data.

import { constants } from 'node:os';
import { CLD_EXITED, CLD_KILLED, ServiceStatus, State, StopReason } from './port';
import { strerror } from '../strerror';
import { EXEC_STAGE_DESCRIPTIONS } from '../model';

function stageName(stage: number): string {
  return EXEC_STAGE_DESCRIPTIONS[stage] ?? '';
}

/**
 * dinit-ts reports a step before exec that needs the exec helper, when the helper is not built,
 * as ENOSYS at that step's stage (upstream never sends ENOSYS there); returns the line saying
 * so, else ''.
 */
function helperHint(execStage: number, errno: number): string {
  if (errno !== constants.errno.ENOSYS || execStage >= EXEC_STAGE_DESCRIPTIONS.length - 1)
    return '';
  return '        (the exec helper of dinit-ts is not built; see the dinit log)\n';
}

/** "signalled - signal N" / "exited - status N" / "unknown reason" for an si_code and status. */
export function terminationDetails(siCode: number, siStatus: number): string {
  if (siCode === CLD_KILLED) return `signalled - signal ${siStatus}`;
  if (siCode === CLD_EXITED) return `exited - status ${siStatus}`;
  return 'unknown reason';
}

/** The lines explaining a failed start (each ending in a newline). */
export function failureDetails(
  st: Pick<ServiceStatus, 'stopReason' | 'execStage' | 'exitSiCode' | 'exitSiStatus'>,
): string {
  switch (st.stopReason) {
    case StopReason.DEPFAILED:
      return 'Reason: a dependency of the service failed to start. Check dinit log.\n';
    case StopReason.TIMEDOUT:
      return 'Reason: start timed out.\n';
    case StopReason.EXECFAILED:
      return (
        'Reason: execution of service process failed:\n' +
        `        Stage: ${stageName(st.execStage)}\n` +
        `        Error: ${strerror(st.exitSiCode, constants.errno)}\n` +
        helperHint(st.execStage, st.exitSiCode)
      );
    case StopReason.FAILED:
      return `Reason: service process terminated before ready: ${terminationDetails(st.exitSiCode, st.exitSiStatus)}\n`;
    default:
      return 'Reason unknown/unrecognised. Check dinit log.\n';
  }
}

/** One line of `dinitctl list` (with its newline). */
export function listLine(name: string, st: ServiceStatus): string {
  const targetStarted = st.target === State.STARTED;
  const targetStopped = st.target === State.STOPPED;
  let s = '[';
  s += st.markedActive ? '[' : targetStarted ? '{' : ' ';
  s += st.state === State.STARTED ? (st.skipped ? 's' : '+') : ' ';
  s += st.markedActive ? ']' : targetStarted ? '}' : ' ';
  s += st.state === State.STARTING ? '<<' : st.state === State.STOPPING ? '>>' : '  ';
  s += targetStopped ? '{' : ' ';
  if (st.state === State.STOPPED) {
    let failed: boolean;
    if (st.stopReason === StopReason.TERMINATED) {
      failed = st.exitSiCode !== CLD_EXITED || st.exitSiStatus !== 0;
    } else {
      failed = st.stopReason !== StopReason.NORMAL;
    }
    s += failed ? 'X' : '-';
  } else {
    s += ' ';
  }
  s += targetStopped ? '}' : ' ';
  s += '] ' + name;
  if (st.state !== State.STOPPED && st.hasPid) s += ` (pid: ${st.pid})`;
  if (st.state === State.STOPPED && st.stopReason === StopReason.TERMINATED) {
    if (st.exitSiCode === CLD_EXITED) s += ` (exit status: ${st.exitSiStatus})`;
    else if (st.exitSiCode === CLD_KILLED) s += ` (signal: ${st.exitSiStatus})`;
  }
  if (st.hasConsole) s += ' (has console)';
  else if (st.waitingConsole) s += ' (waiting for console)';
  return s + '\n';
}

/** The state word for is-started / is-failed. */
export function stateWord(state: number): string {
  switch (state) {
    case State.STOPPED:
      return 'STOPPED';
    case State.STARTING:
      return 'STARTING';
    case State.STARTED:
      return 'STARTED';
    case State.STOPPING:
      return 'STOPPING';
    default:
      return '';
  }
}

/** The block printed by `dinitctl status <name>`. */
export function statusBlock(name: string, st: ServiceStatus): string {
  let s = `Service: ${name}\n    State: `;
  const extra =
    !st.hasPid && st.exitSiStatus !== 0
      ? `; ${terminationDetails(st.exitSiCode, st.exitSiStatus)}`
      : '';
  switch (st.state) {
    case State.STOPPED:
      s += 'STOPPED';
      switch (st.stopReason) {
        case StopReason.DEPRESTART:
          s += ' (dependency restarted)';
          break;
        case StopReason.DEPFAILED:
          s += ' (dependency failed/terminated)';
          break;
        case StopReason.FAILED:
          s += ` (failed to start${extra})`;
          break;
        case StopReason.EXECFAILED:
          s += ' (could not be launched)\n';
          s += `        Stage: ${stageName(st.execStage)}\n`;
          s += `        Error: ${strerror(st.exitSiCode, constants.errno)}`;
          if (helperHint(st.execStage, st.exitSiCode) !== '')
            s += '\n' + helperHint(st.execStage, st.exitSiCode).trimEnd();
          break;
        case StopReason.TERMINATED:
          s += ` (terminated${extra})`;
          break;
        case StopReason.TIMEDOUT:
          s += ' (start timed out)';
          break;
        default:
          break;
      }
      break;
    case State.STARTING:
      s += 'STARTING';
      if (st.target === State.STOPPED) s += ' (target state: STOPPED)';
      break;
    case State.STARTED:
      s += 'STARTED';
      if (st.skipped) s += ' (startup skipped)';
      break;
    case State.STOPPING:
      s += 'STOPPING';
      if (st.target === State.STARTED) s += ' (target state: STARTED)';
      // Upstream prints this without a separating space; kept byte for byte.
      if (!st.hasPid && st.exitSiStatus !== 0) {
        s += `(terminated ;${terminationDetails(st.exitSiCode, st.exitSiStatus)})`;
      }
      break;
    default:
      break;
  }
  if (st.hasConsole) s += ' (holding console)';
  if (st.waitingConsole) s += ' (waiting for console)';
  s += '\n';
  if (st.target === State.STARTED) {
    s += `    Activation: ${st.markedActive ? 'explicitly started' : 'start due to dependent(s)'}\n`;
  }
  if (st.hasPid) s += `    Process ID: ${st.pid}\n`;
  return s;
}
