// Parsers for typed setting values (numbers as C's strtoull/stoll read them, durations,
// permissions, users and groups, resource limits, signals), with upstream's error messages.

import * as os from 'node:os';
import type { RlimitSpec } from './types';
import type { UserDb } from './users';
import { DescriptionError, type FilePos } from '../errors';

const NUM_ERR = 'specified value contains invalid numeric characters or is outside allowed range.';

/**
 * Read an integer prefix the way strtoull/strtoll with base 0 do (optional leading whitespace and
 * sign, 0x hex, leading-0 octal). Returns the value (as bigint) and how many characters were used,
 * or undefined when no digits could be read.
 */
function parseCIntegerPrefix(
  s: string,
  base: 0 | 8 | 10 = 0,
): { value: bigint; used: number } | undefined {
  let i = 0;
  while (i < s.length && /[ \t\n\v\f\r]/.test(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let radix: number = base === 0 ? 10 : base;
  let digits = '';
  const start = i;
  if (
    base === 0 &&
    s[i] === '0' &&
    (s[i + 1] === 'x' || s[i + 1] === 'X') &&
    /[0-9a-fA-F]/.test(s[i + 2] ?? '')
  ) {
    radix = 16;
    i += 2;
  } else if (base === 0 && s[i] === '0') {
    radix = 8;
  }
  const re = radix === 16 ? /[0-9a-fA-F]/ : radix === 8 ? /[0-7]/ : /[0-9]/;
  while (i < s.length && re.test(s[i])) digits += s[i++];
  if (digits === '') {
    if (i === start) return undefined;
  }
  let value =
    digits === ''
      ? 0n
      : BigInt(radix === 16 ? '0x' + digits : radix === 8 ? '0o' + digits : digits);
  if (neg) value = -value;
  return { value, used: i };
}

const ULLONG_MAX = (1n << 64n) - 1n;
const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

/** Unsigned number (C stoull base 0) no larger than `max`; throws upstream's message at `pos`. */
export function parseUnum(pos: FilePos, s: string, max: bigint = ULLONG_MAX): number {
  const r = parseCIntegerPrefix(s);
  if (r === undefined) throw new DescriptionError(NUM_ERR, pos);
  let v = r.value;
  if (v < 0n) {
    // stoull negates in unsigned arithmetic: "-1" is the largest value.
    if (-v > ULLONG_MAX) throw new DescriptionError(NUM_ERR, pos);
    v = (ULLONG_MAX + 1n + v) & ULLONG_MAX;
  }
  if (v > ULLONG_MAX || v > max || r.used !== s.length) throw new DescriptionError(NUM_ERR, pos);
  return Number(v);
}

/** Signed number (C stoll base 0) within [min, max]; throws upstream's message at `pos`. */
export function parseSnum(pos: FilePos, s: string, min: bigint, max: bigint): number {
  const r = parseCIntegerPrefix(s);
  if (r === undefined || r.value > LLONG_MAX || r.value < LLONG_MIN)
    throw new DescriptionError(NUM_ERR, pos);
  if (r.value < min || r.value > max || r.used !== s.length)
    throw new DescriptionError(NUM_ERR, pos);
  return Number(r.value);
}

/**
 * A duration in decimal seconds with an optional fraction after '.' or ',' ("1.5", "0,25", "",
 * "10") converted to milliseconds (sub-millisecond digits truncate). Throws "bad value for X" or
 * "too-large value for X".
 */
export function parseDurationMs(pos: FilePos, s: string, setting: string): number {
  const maxSecs = LLONG_MAX / 10n;
  let secs = 0n;
  let i = 0;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (ch === '.' || ch === ',') {
      i++;
      break;
    }
    if (ch < '0' || ch > '9') throw new DescriptionError(`bad value for ${setting}`, pos);
    if (secs >= maxSecs) throw new DescriptionError(`too-large value for ${setting}`, pos);
    secs = secs * 10n + BigInt(ch.charCodeAt(0) - 48);
  }
  let nsec = 0;
  let mult = 100_000_000;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (ch < '0' || ch > '9') throw new DescriptionError(`bad value for ${setting}`, pos);
    nsec += (ch.charCodeAt(0) - 48) * mult;
    mult = Math.floor(mult / 10);
  }
  return Number(secs) * 1000 + Math.floor(nsec / 1_000_000);
}

/**
 * Octal permissions ("0600", "644"). On a bad value upstream's message is, by a quirk of its
 * code, just the setting name; we keep that text.
 */
export function parsePerms(pos: FilePos, s: string, setting: string): number {
  const r = parseCIntegerPrefix(s, 8);
  if (r === undefined || r.used !== s.length || r.value > 2147483647n || r.value < -2147483648n) {
    throw new DescriptionError(setting, pos, setting);
  }
  return Number(r.value);
}

const UID_MAX = 4294967295n;

/**
 * A user given by number or name. A number is taken as is; a name is looked up in the user
 * database, giving its uid and primary gid. Throws upstream's messages.
 */
export function parseUid(
  pos: FilePos,
  s: string,
  setting: string,
  db: UserDb,
): { uid: number; gid?: number; byName: boolean } {
  const r = parseCIntegerPrefix(s);
  if (r !== undefined) {
    const msg =
      'specified user id contains invalid numeric characters or is outside allowed range.';
    let v = r.value;
    if (v < 0n) v = (ULLONG_MAX + 1n + v) & ULLONG_MAX;
    if (r.value > ULLONG_MAX || -r.value > ULLONG_MAX) throw new DescriptionError(msg, pos);
    if (v > UID_MAX || r.used !== s.length) throw new DescriptionError(`${setting}: ${msg}`, pos);
    return { uid: Number(v), byName: false };
  }
  const u = db.userByName(s);
  if (u === undefined) {
    throw new DescriptionError(
      `${setting}: specified user "${s}" does not exist in system database.`,
      pos,
    );
  }
  return { uid: u.uid, gid: u.gid, byName: true };
}

/** A group given by number or name (looked up in the group database). */
export function parseGid(pos: FilePos, s: string, setting: string, db: UserDb): number {
  const r = parseCIntegerPrefix(s);
  if (r !== undefined) {
    const msg = `${setting}: specified group id contains invalid numeric characters or is outside allowed range.`;
    let v = r.value;
    if (v < 0n) v = (ULLONG_MAX + 1n + v) & ULLONG_MAX;
    if (v > UID_MAX || r.used !== s.length) throw new DescriptionError(msg, pos);
    return Number(v);
  }
  const g = db.groupByName(s);
  if (g === undefined) {
    throw new DescriptionError(
      `${setting}: specified group "${s}" does not exist in system database.`,
      pos,
    );
  }
  return g.gid;
}

/**
 * A resource limit: "soft:hard", "n" (both), "soft:" (hard unchanged), ":hard", "-" for
 * unlimited (-1 here). Throws "X: bad value." / "X: too-large value.".
 */
export function parseRlimit(pos: FilePos, s: string, setting: string): RlimitSpec {
  const bad = (): DescriptionError => new DescriptionError(`${setting}: bad value.`, pos);
  if (s === '') throw bad();
  const out: RlimitSpec = {};
  let idx = 0;
  const readNum = (from: number): { v: number; next: number } => {
    const r = parseCIntegerPrefix(s.slice(from));
    if (r === undefined) throw bad();
    let v = r.value;
    if (v < 0n) v = (ULLONG_MAX + 1n + v) & ULLONG_MAX;
    if (-r.value > ULLONG_MAX || v > ULLONG_MAX)
      throw new DescriptionError(`${setting}: too-large value.`, pos);
    // RLIM_INFINITY is all ones; keep it as -1 like an explicit "-".
    return { v: v === ULLONG_MAX ? -1 : Number(v), next: from + r.used };
  };
  if (s[0] !== ':') {
    if (s[0] === '-') {
      out.soft = -1;
      idx = 1;
    } else {
      const r = readNum(0);
      out.soft = r.v;
      idx = r.next;
    }
    if (idx >= s.length) {
      out.hard = out.soft;
      return out;
    }
    if (s[idx] !== ':') throw bad();
  }
  idx++;
  if (idx >= s.length) return out;
  if (s[idx] === '-') {
    out.hard = -1;
    if (idx + 1 < s.length) throw bad();
  } else {
    // Upstream ignores anything after the hard limit's digits.
    out.hard = readNum(idx).v;
  }
  return out;
}

/** Signal names term-signal accepts (no SIG prefix), with this platform's numbers; none = 0. */
export function signalNumber(name: string): number | undefined {
  if (name === 'none' || name === 'NONE') return 0;
  const allowed = ['HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'USR2', 'TERM', 'CONT', 'STOP', 'INFO'];
  if (!allowed.includes(name)) return undefined;
  const n = (os.constants.signals as Record<string, number | undefined>)[`SIG${name}`];
  return n;
}
