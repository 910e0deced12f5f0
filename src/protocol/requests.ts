// Request packets (client -> daemon): one typed shape per command, encodeRequest() and
// decodeRequest(), which copes with partial input and rejects malformed packets with ProtocolError.

import { Cmd, type CmdName, MAX_REQUEST_STRING, cmdName } from './codes';
import type { DecodeResult } from './codes';
import { ProtocolError } from '../errors';

/** Every request the daemon understands. Handles are u32; strings are byte strings (src/bytes.ts), sent as their bytes. */
export type Request =
  | { type: 'QUERYVERSION' }
  | { type: 'FINDSERVICE' | 'LOADSERVICE'; name: string }
  | {
      type: 'STARTSERVICE' | 'STOPSERVICE' | 'WAKESERVICE' | 'RELEASESERVICE';
      flags: number;
      handle: number;
    }
  | {
      type: 'UNPINSERVICE' | 'UNLOADSERVICE' | 'RELOADSERVICE' | 'CLOSEHANDLE';
      handle: number;
    }
  | { type: 'SERVICESTATUS' | 'SERVICESTATUS5' | 'SERVICESTATUS6'; handle: number }
  | { type: 'LISTSERVICES' | 'LISTSERVICES5' | 'QUERY_LOAD_MECH' | 'LISTENENV' }
  | { type: 'SHUTDOWN'; shutdownType: number }
  | {
      type: 'ADD_DEP' | 'REM_DEP' | 'ENABLESERVICE' | 'ENABLE_SERVICE_V7';
      depType: number;
      from: number;
      to: number;
    }
  /** `reserved` must be 0 for QUERYSERVICEDSCDIR; the daemon answers NAK otherwise. */
  | { type: 'QUERYSERVICENAME' | 'QUERYSERVICEDSCDIR'; reserved: number; handle: number }
  /** NAME=VALUE sets, NAME alone unsets. */
  | { type: 'SETENV'; envVar: string }
  | { type: 'SETTRIGGER'; handle: number; value: number }
  | { type: 'CATLOG'; flags: number; handle: number }
  | { type: 'SIGNAL'; signal: number; handle: number }
  /** `reserved` must be 0; the daemon answers BADREQ otherwise. */
  | { type: 'GETALLENV'; reserved: number }
  /** dinit-ts extension: `version` is the client's extension version. */
  | { type: 'DTS_HELLO'; version: number }
  | { type: 'DTS_REEXEC' }
  | { type: 'DTS_SNAPSHOT' }
  | { type: 'DTS_FOLLOW'; handle: number };

/** How one field travels: a byte, a 32-bit handle or signal, or a byte string after a u16 length. */
type FieldKind = 'u8' | 'u32' | 'i32' | 'string';

type RequestOf<K extends CmdName> = Request & { type: K };
/** A request's fields after its type byte, in wire order. */
type Layout<R> = ReadonlyArray<readonly [Exclude<keyof R, 'type'>, FieldKind]>;

const FIELD_SIZE = { u8: 1, u32: 4, i32: 4 } as const;

const FLAGS_HANDLE = [
  ['flags', 'u8'],
  ['handle', 'u32'],
] as const;
const RESERVED_HANDLE = [
  ['reserved', 'u8'],
  ['handle', 'u32'],
] as const;
const HANDLE = [['handle', 'u32']] as const;
const DEP_EDIT = [
  ['depType', 'u8'],
  ['from', 'u32'],
  ['to', 'u32'],
] as const;

/**
 * The wire layout of every request (all integers little-endian). Strings only ever stand
 * alone after the type byte.
 */
const LAYOUTS: { [K in CmdName]: Layout<RequestOf<K>> } = {
  QUERYVERSION: [],
  FINDSERVICE: [['name', 'string']],
  LOADSERVICE: [['name', 'string']],
  STARTSERVICE: FLAGS_HANDLE,
  STOPSERVICE: FLAGS_HANDLE,
  WAKESERVICE: FLAGS_HANDLE,
  RELEASESERVICE: FLAGS_HANDLE,
  UNPINSERVICE: HANDLE,
  LISTSERVICES: [],
  UNLOADSERVICE: HANDLE,
  SHUTDOWN: [['shutdownType', 'u8']],
  ADD_DEP: DEP_EDIT,
  REM_DEP: DEP_EDIT,
  QUERY_LOAD_MECH: [],
  ENABLESERVICE: DEP_EDIT,
  QUERYSERVICENAME: RESERVED_HANDLE,
  RELOADSERVICE: HANDLE,
  SETENV: [['envVar', 'string']],
  SERVICESTATUS: HANDLE,
  SETTRIGGER: [
    ['handle', 'u32'],
    ['value', 'u8'],
  ],
  CATLOG: FLAGS_HANDLE,
  SIGNAL: [
    ['signal', 'i32'],
    ['handle', 'u32'],
  ],
  QUERYSERVICEDSCDIR: RESERVED_HANDLE,
  CLOSEHANDLE: HANDLE,
  GETALLENV: [['reserved', 'u8']],
  LISTSERVICES5: [],
  SERVICESTATUS5: HANDLE,
  LISTENENV: [],
  SERVICESTATUS6: HANDLE,
  ENABLE_SERVICE_V7: DEP_EDIT,
  DTS_HELLO: [['version', 'u8']],
  DTS_REEXEC: [],
  DTS_SNAPSHOT: [],
  DTS_FOLLOW: HANDLE,
};

function layoutOf(type: CmdName): Layout<Record<string, unknown>> {
  return LAYOUTS[type] as Layout<Record<string, unknown>>;
}

/** Encodes a request into a fresh Buffer. Strings longer than the protocol allows are not checked here. */
export function encodeRequest(req: Request): Buffer {
  const values = req as unknown as Record<string, number | string>;
  const parts: Buffer[] = [Buffer.from([Cmd[req.type]])];
  for (const [name, kind] of layoutOf(req.type)) {
    const v = values[name];
    if (kind === 'string') {
      const bytes = Buffer.from(v as string, 'latin1');
      const len = Buffer.alloc(2);
      len.writeUInt16LE(bytes.length & 0xffff);
      parts.push(len, bytes);
      continue;
    }
    const b = Buffer.alloc(FIELD_SIZE[kind]);
    if (kind === 'u8') b[0] = (v as number) & 0xff;
    else if (kind === 'u32') b.writeUInt32LE((v as number) >>> 0);
    else b.writeInt32LE((v as number) | 0);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/**
 * Decodes one request from the start of `buf`.
 * Returns 'ok' with the bytes consumed, or 'incomplete' with the total size needed so far.
 * Throws ProtocolError (field 'type') for an unknown command, or (field 'length') for a name or
 * variable that is empty or longer than upstream's 1021-byte limit.
 */
export function decodeRequest(buf: Buffer): DecodeResult<Request> {
  if (buf.length < 1) return { status: 'incomplete', needed: 1 };
  const type = cmdName(buf[0]);
  if (type === undefined)
    throw new ProtocolError('request', 'type', `unknown command code ${buf[0]}`);
  const layout = layoutOf(type);
  // The fixed-size fields first: a packet is incomplete until all of them are in.
  const fixed = layout.reduce((n, [, kind]) => n + (kind === 'string' ? 0 : FIELD_SIZE[kind]), 1);
  if (buf.length < fixed) return { status: 'incomplete', needed: fixed };
  const packet: Record<string, number | string> = { type };
  let off = 1;
  for (const [name, kind] of layout) {
    if (kind === 'string') {
      const r = readString(buf, off, type);
      if (typeof r === 'number') return { status: 'incomplete', needed: r };
      packet[name] = r.text;
      off = r.end;
    } else {
      packet[name] =
        kind === 'u8' ? buf[off] : kind === 'u32' ? buf.readUInt32LE(off) : buf.readInt32LE(off);
      off += FIELD_SIZE[kind];
    }
  }
  return { status: 'ok', packet: packet as unknown as Request, length: off };
}

/** A u16-length-prefixed string at off; a number is the total size needed when incomplete. */
function readString(
  buf: Buffer,
  off: number,
  type: CmdName,
): { text: string; end: number } | number {
  if (buf.length < off + 2) return off + 2;
  const len = buf.readUInt16LE(off);
  if (len === 0 || len > MAX_REQUEST_STRING) {
    throw new ProtocolError(type, 'length', `length ${len} out of range 1..${MAX_REQUEST_STRING}`);
  }
  const end = off + 2 + len;
  if (buf.length < end) return end;
  return { text: buf.toString('latin1', off + 2, end), end };
}
