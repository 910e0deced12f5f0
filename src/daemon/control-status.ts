// Turns the core's ServiceStatus into the protocol's status block, filling the fields the way
// Dinit's fill_status_buffer does for each layout (v1, v5, v6).

import type { ServiceStatus } from '../core/api';
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED } from '../protocol/codes';
import type { StatusFormat, StatusInfo } from '../protocol/status';

/** The status block for `s` in the given layout. */
export function toStatusInfo(s: ServiceStatus, format: StatusFormat): StatusInfo {
  // A launch in flight (pid 0) has no pid to show yet.
  const hasPid = s.pid > 0;
  let execStage = 0;
  let word1 = 0;
  let word2 = 0;
  if (hasPid) {
    word1 = s.pid;
  } else if (s.stopReason === 'execfailed') {
    execStage = s.execFailure?.stage ?? 0;
    word1 = s.execFailure?.errno ?? 0;
  } else {
    // No exit recorded reads as si_code 0 / si_status 0, as in Dinit.
    const [siCode, siStatus] = siOf(s);
    if (format === 1) {
      // v1 has no portable way to carry the status: 0 for a clean exit, -1 for anything else.
      word1 = siStatus === 0 ? 0 : -1;
    } else {
      word1 = siCode;
      word2 = siStatus;
    }
  }
  const info: StatusInfo = {
    state: s.state,
    targetState: s.targetState,
    waitingForConsole: s.waitingForConsole,
    hasConsole: s.hasConsole,
    startSkipped: s.startSkipped,
    markedActive: s.markedActive,
    hasPid,
    stopReason: s.stopReason,
    execStage,
    word1,
    word2,
  };
  if (format === 6) info.mtime = mtimeOf(s);
  return info;
}

function siOf(s: ServiceStatus): [number, number] {
  const x = s.exitStatus;
  if (!x) return [0, 0];
  if (x.kind === 'exited') return [CLD_EXITED, x.code];
  return [x.coreDumped ? CLD_DUMPED : CLD_KILLED, x.signal];
}

function mtimeOf(s: ServiceStatus): { sec: number; nsec: number } {
  if (s.loadedMtimeNs !== undefined) return splitNs(s.loadedMtimeNs);
  // Only milliseconds known (a description source without nanosecond times): the nearest value.
  if (s.loadedMtimeMs === undefined) return { sec: 0, nsec: 0 };
  const sec = Math.floor(s.loadedMtimeMs / 1000);
  const nsec = Math.min(999999999, Math.max(0, Math.round((s.loadedMtimeMs - sec * 1000) * 1e6)));
  return { sec, nsec };
}

function splitNs(ns: bigint): { sec: number; nsec: number } {
  let sec = ns / 1000000000n;
  let nsec = ns % 1000000000n;
  if (nsec < 0n) {
    // Before 1970: timespec keeps tv_nsec in 0..999999999.
    sec -= 1n;
    nsec += 1000000000n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}
