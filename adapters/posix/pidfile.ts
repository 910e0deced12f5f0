// Reads a bgprocess pid file the way upstream Dinit does: at most 20 bytes, a number in
// strtoull base-0 syntax (decimal, 0x hex, 0 octal), then a check that the process exists.

import * as fs from 'node:fs';
import { toBytes } from '../../src/bytes';

const PID_MAX = 2147483647;

/** Parses the start of text like strtoull(text, &end, 0); undefined if no digits were found. */
export function parsePidText(text: string): number | undefined {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i])) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  let base = 10;
  if (
    text[i] === '0' &&
    (text[i + 1] === 'x' || text[i + 1] === 'X') &&
    /[0-9a-fA-F]/.test(text[i + 2] ?? '')
  ) {
    base = 16;
    i += 2;
  } else if (text[i] === '0') {
    base = 8;
  }
  const digits = base === 16 ? /^[0-9a-fA-F]+/ : base === 8 ? /^[0-7]+/ : /^[0-9]+/;
  const m = digits.exec(text.slice(i));
  if (!m) return undefined;
  const v = parseInt(m[0], base);
  // A negative value wraps to a huge unsigned number in strtoull: never a valid pid.
  if (negative && v !== 0) return Number.MAX_SAFE_INTEGER;
  return v;
}

/** Process liveness checks, supplied by the platform adapter. */
export interface PidChecks {
  /** The pid is our (adopted) child, or was just reaped as one. */
  isOurChild(pid: number): boolean;
  /** kill(pid, 0) succeeds or fails with EPERM. */
  exists(pid: number): boolean;
  strerror(errno: number): string;
}

/** Returns the pid in the file, or upstream's failure text (without the service-name prefix). */
export function readPidFile(
  path: string,
  checks: PidChecks,
): { ok: true; pid: number } | { ok: false; reason: string } {
  let fd: number;
  try {
    fd = fs.openSync(toBytes(path), fs.constants.O_RDONLY);
  } catch (e) {
    return { ok: false, reason: `read pid file: ${errText(e, checks)}` };
  }
  let text: string;
  try {
    const buf = Buffer.alloc(20);
    let got = 0;
    while (got < 20) {
      const n = fs.readSync(fd, buf, got, 20 - got, null);
      if (n === 0) break;
      got += n;
    }
    text = buf.subarray(0, got).toString('latin1');
  } catch (e) {
    return { ok: false, reason: `could not read from pidfile; ${errText(e, checks)}` };
  } finally {
    fs.closeSync(fd);
  }
  const v = parsePidText(text);
  // pid 0 and below would address process groups with kill(): never valid.
  if (v !== undefined && v > 0 && v <= PID_MAX) {
    if (checks.isOurChild(v) || checks.exists(v)) return { ok: true, pid: v };
    return { ok: false, reason: `pid read from pidfile (${v}) is not valid` };
  }
  // Upstream prints the pid it had before parsing failed, which is -1 for a fresh service.
  return { ok: false, reason: `pid read from pidfile (-1) is not valid` };
}

function errText(e: unknown, checks: PidChecks): string {
  const errno =
    typeof (e as { errno?: unknown }).errno === 'number'
      ? -(e as { errno: number }).errno
      : undefined;
  if (errno !== undefined && errno > 0) return checks.strerror(errno);
  return e instanceof Error ? e.message : String(e);
}
