// The service status block carried by SERVICESTATUS, SVCINFO and SERVICEEVENT packets,
// in its three wire layouts: v1 (10 bytes), v5 (14 bytes) and v6 (30 bytes, adds the file mtime).

import {
  CLD_DUMPED,
  CLD_EXITED,
  CLD_KILLED,
  STATUS_SIZE_V1,
  STATUS_SIZE_V5,
  STATUS_SIZE_V6,
} from './codes';
import {
  type ServiceStateFlags,
  type StoppedReason,
  STATE_NAMES,
  STOP_REASON_NAMES,
} from '../model';
import { ProtocolError } from '../errors';

/** Which status block layout a packet carries. */
export type StatusFormat = 1 | 5 | 6;

/** One status block, field by field as on the wire. */
export interface StatusInfo extends ServiceStateFlags {
  hasPid: boolean;
  stopReason: StoppedReason;
  /** Exec failure stage (u16); 0 unless the stop reason is 'execfailed' and there is no pid. */
  execStage: number;
  /**
   * The int at offset 6: the pid when hasPid; else the errno of a failed exec (stop reason
   * 'execfailed'); else the exit status: v1 carries 0 (clean exit) or -1, v5+ carry si_code.
   */
  word1: number;
  /** v5+: the int at offset 10: si_status when word1 is an si_code; 0 otherwise. Always 0 in v1. */
  word2: number;
  /** v6 only: modification time of the description file as loaded (timespec). */
  mtime?: { sec: number; nsec: number };
}

/** Byte size of a status block in the given layout. */
export function statusSize(format: StatusFormat): number {
  return format === 1 ? STATUS_SIZE_V1 : format === 5 ? STATUS_SIZE_V5 : STATUS_SIZE_V6;
}

/** Writes a status block at `off` in `buf` (which must have room for statusSize(format) bytes). */
export function writeStatus(buf: Buffer, off: number, s: StatusInfo, format: StatusFormat): void {
  buf[off] = STATE_NAMES.indexOf(s.state);
  buf[off + 1] = STATE_NAMES.indexOf(s.targetState);
  buf[off + 2] =
    (s.waitingForConsole ? 1 : 0) |
    (s.hasConsole ? 2 : 0) |
    (s.startSkipped ? 4 : 0) |
    (s.markedActive ? 8 : 0) |
    (s.hasPid ? 16 : 0);
  buf[off + 3] = STOP_REASON_NAMES.indexOf(s.stopReason);
  buf.writeUInt16LE(s.execStage & 0xffff, off + 4);
  buf.writeInt32LE(s.word1 | 0, off + 6);
  if (format === 1) return;
  buf.writeInt32LE(s.word2 | 0, off + 10);
  if (format === 5) return;
  const sec = s.mtime?.sec ?? 0;
  const nsec = s.mtime?.nsec ?? 0;
  buf.writeBigInt64LE(BigInt(Math.trunc(sec)), off + 14);
  buf.writeBigInt64LE(BigInt(Math.trunc(nsec)), off + 22);
}

/**
 * Reads a status block at `off`. The caller has checked that enough bytes are present.
 * Throws ProtocolError (naming `packet`) for an unknown state or stop reason code.
 */
export function readStatus(
  buf: Buffer,
  off: number,
  format: StatusFormat,
  packet: string,
): StatusInfo {
  const state = STATE_NAMES[buf[off]];
  if (state === undefined)
    throw new ProtocolError(packet, 'state', `unknown service state ${buf[off]}`);
  const targetState = STATE_NAMES[buf[off + 1]];
  if (targetState === undefined) {
    throw new ProtocolError(packet, 'targetState', `unknown service state ${buf[off + 1]}`);
  }
  const flags = buf[off + 2];
  const stopReason = STOP_REASON_NAMES[buf[off + 3]];
  if (stopReason === undefined) {
    throw new ProtocolError(packet, 'stopReason', `unknown stop reason ${buf[off + 3]}`);
  }
  const s: StatusInfo = {
    state,
    targetState,
    waitingForConsole: (flags & 1) !== 0,
    hasConsole: (flags & 2) !== 0,
    startSkipped: (flags & 4) !== 0,
    markedActive: (flags & 8) !== 0,
    hasPid: (flags & 16) !== 0,
    stopReason,
    execStage: buf.readUInt16LE(off + 4),
    word1: buf.readInt32LE(off + 6),
    word2: format === 1 ? 0 : buf.readInt32LE(off + 10),
  };
  if (format === 6) {
    s.mtime = {
      sec: Number(buf.readBigInt64LE(off + 14)),
      nsec: Number(buf.readBigInt64LE(off + 22)),
    };
  }
  return s;
}

/** What a status block says about the process, interpreted. */
export interface StatusDetails {
  /** Present when the service has a process. */
  pid?: number;
  /** Present when the last start failed at exec (stop reason 'execfailed'). */
  execFailure?: { stage: number; errno: number };
  /** v5+: how the process last ended (si_code / si_status), when there is no pid. */
  exit?:
    | { kind: 'exited'; code: number }
    | { kind: 'signalled'; signal: number; coreDumped: boolean }
    | { kind: 'unknown'; siCode: number; siStatus: number };
  /** v1 only: 0 for a clean exit, -1 otherwise. */
  exitStatusV1?: number;
}

/** Interprets the pid / exit fields of a status block decoded from the given layout. */
export function statusDetails(s: StatusInfo, format: StatusFormat): StatusDetails {
  if (s.hasPid) return { pid: s.word1 };
  if (s.stopReason === 'execfailed') return { execFailure: { stage: s.execStage, errno: s.word1 } };
  if (format === 1) return { exitStatusV1: s.word1 };
  if (s.word1 === CLD_EXITED) return { exit: { kind: 'exited', code: s.word2 } };
  if (s.word1 === CLD_KILLED || s.word1 === CLD_DUMPED) {
    return { exit: { kind: 'signalled', signal: s.word2, coreDumped: s.word1 === CLD_DUMPED } };
  }
  return { exit: { kind: 'unknown', siCode: s.word1, siStatus: s.word2 } };
}
