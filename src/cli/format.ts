// Text that dinitctl prints about services: the `list` line, the `status` block, and the
// reasons a start failed. Pure functions of the status data (status blocks in the v5 layout:
// without a pid, word1 is the si_code of the last exit, or the errno of a failed exec, and
// word2 its si_status).

import { CLD_EXITED, CLD_KILLED } from '../protocol/codes';
import type { StatusInfo } from '../protocol/status';
import { EXEC_STAGE_DESCRIPTIONS, type ServiceState } from '../model';
import { strerror } from '../strerror';

/** This OS's errno numbers by name (node:os is loaded only to explain a failed launch). */
function errnoNumbers(): Readonly<Record<string, number>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:os') as typeof import('node:os')).constants.errno;
}

/** "signalled - signal N" / "exited - status N" / "unknown reason" for an si_code and status. */
export function terminationDetails(siCode: number, siStatus: number): string {
  if (siCode === CLD_KILLED) return `signalled - signal ${siStatus}`;
  if (siCode === CLD_EXITED) return `exited - status ${siStatus}`;
  return 'unknown reason';
}

/** The si_code of the last exit (or errno of a failed exec); 0 while there is a process. */
const siCode = (st: StatusInfo): number => (st.hasPid ? 0 : st.word1);
/** The si_status of the last exit; 0 while there is a process. */
const siStatus = (st: StatusInfo): number => (st.hasPid ? 0 : st.word2);

/** How the last process ended ("exited - status N", ...). */
function exitDetails(st: StatusInfo): string {
  return terminationDetails(siCode(st), siStatus(st));
}

/** Whether the status block records a non-zero exit status or signal. */
function hasExitStatus(st: StatusInfo): boolean {
  return siStatus(st) !== 0;
}

/**
 * Without the exec helper, a step before exec (an exec stage but the last) fails as ENOSYS at
 * that step's stage (upstream never sends ENOSYS there); returns the line saying so, else ''.
 */
function helperHint(execStage: number, errno: number): string {
  if (errno !== errnoNumbers().ENOSYS || execStage >= EXEC_STAGE_DESCRIPTIONS.length - 1) return '';
  return '\n        (the exec helper of dinit-ts is not built; see the dinit log)';
}

/** The "Stage:" and "Error:" lines of a failed launch, indented as upstream does. */
function execFailureLines(st: StatusInfo): string {
  return (
    `        Stage: ${EXEC_STAGE_DESCRIPTIONS[st.execStage] ?? ''}\n` +
    `        Error: ${strerror(siCode(st), errnoNumbers())}` +
    helperHint(st.execStage, siCode(st))
  );
}

/** The lines explaining a failed start (each ending in a newline). */
export function failureDetails(st: StatusInfo): string {
  switch (st.stopReason) {
    case 'depfailed':
      return 'Reason: a dependency of the service failed to start. Check dinit log.\n';
    case 'timedout':
      return 'Reason: start timed out.\n';
    case 'execfailed':
      return `Reason: execution of service process failed:\n${execFailureLines(st)}\n`;
    case 'failed':
      return `Reason: service process terminated before ready: ${exitDetails(st)}\n`;
    default:
      return 'Reason unknown/unrecognised. Check dinit log.\n';
  }
}

/** How the last process ended, when the status records an exit: its status or signal. */
export function lastExit(st: StatusInfo): { status: number } | { signal: number } | undefined {
  if (st.hasPid || st.stopReason === 'execfailed') return undefined;
  if (siCode(st) === CLD_EXITED) return { status: siStatus(st) };
  if (siCode(st) === CLD_KILLED) return { signal: siStatus(st) };
  return undefined;
}

/** Whether a stopped service counts as failed in `list` (X rather than -). */
export function stoppedWithFailure(st: StatusInfo): boolean {
  if (st.stopReason === 'terminated') return siCode(st) !== CLD_EXITED || siStatus(st) !== 0;
  return st.stopReason !== 'normal';
}

/** One line of `dinitctl list` (with its newline). */
export function listLine(name: string, st: StatusInfo): string {
  const targetStarted = st.targetState === 'started';
  const targetStopped = st.targetState === 'stopped';
  let s = '[';
  s += st.markedActive ? '[' : targetStarted ? '{' : ' ';
  s += st.state === 'started' ? (st.startSkipped ? 's' : '+') : ' ';
  s += st.markedActive ? ']' : targetStarted ? '}' : ' ';
  s += st.state === 'starting' ? '<<' : st.state === 'stopping' ? '>>' : '  ';
  s += targetStopped ? '{' : ' ';
  s += st.state !== 'stopped' ? ' ' : stoppedWithFailure(st) ? 'X' : '-';
  s += targetStopped ? '}' : ' ';
  s += '] ' + name;
  if (st.state !== 'stopped' && st.hasPid) s += ` (pid: ${st.word1})`;
  if (st.state === 'stopped' && st.stopReason === 'terminated') {
    if (siCode(st) === CLD_EXITED) s += ` (exit status: ${siStatus(st)})`;
    else if (siCode(st) === CLD_KILLED) s += ` (signal: ${siStatus(st)})`;
  }
  if (st.hasConsole) s += ' (has console)';
  else if (st.waitingForConsole) s += ' (waiting for console)';
  return s + '\n';
}

/** The state word for is-started / is-failed. */
export function stateWord(state: ServiceState): string {
  return state.toUpperCase();
}

/** What `status` says after STOPPED about why the service stopped. */
function stoppedDetails(st: StatusInfo): string {
  const extra = hasExitStatus(st) ? `; ${exitDetails(st)}` : '';
  switch (st.stopReason) {
    case 'deprestart':
      return ' (dependency restarted)';
    case 'depfailed':
      return ' (dependency failed/terminated)';
    case 'failed':
      return ` (failed to start${extra})`;
    case 'execfailed':
      return ` (could not be launched)\n${execFailureLines(st)}`;
    case 'terminated':
      return ` (terminated${extra})`;
    case 'timedout':
      return ' (start timed out)';
    case 'normal':
      return '';
  }
}

/** The state line's text after "State: ". */
function stateDetails(st: StatusInfo): string {
  switch (st.state) {
    case 'stopped':
      return 'STOPPED' + stoppedDetails(st);
    case 'starting':
      return 'STARTING' + (st.targetState === 'stopped' ? ' (target state: STOPPED)' : '');
    case 'started':
      return 'STARTED' + (st.startSkipped ? ' (startup skipped)' : '');
    case 'stopping':
      return (
        'STOPPING' +
        (st.targetState === 'started' ? ' (target state: STARTED)' : '') +
        // Upstream prints this without a separating space; kept byte for byte.
        (hasExitStatus(st) ? `(terminated ;${exitDetails(st)})` : '')
      );
  }
}

/** The block printed by `dinitctl status <name>`. */
export function statusBlock(name: string, st: StatusInfo): string {
  let s = `Service: ${name}\n    State: ${stateDetails(st)}`;
  if (st.hasConsole) s += ' (holding console)';
  if (st.waitingForConsole) s += ' (waiting for console)';
  s += '\n';
  if (st.targetState === 'started') {
    s += `    Activation: ${st.markedActive ? 'explicitly started' : 'start due to dependent(s)'}\n`;
  }
  if (st.hasPid) s += `    Process ID: ${st.word1}\n`;
  return s;
}
