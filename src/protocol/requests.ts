// Request packets (client -> daemon): one typed shape per command, encodeRequest() and
// decodeRequest(), which copes with partial input and rejects malformed packets with ProtocolError.

import { Cmd, type CmdName, MAX_REQUEST_STRING, cmdName } from './codes';
import type { DecodeResult } from './codes';
import { ProtocolError } from '../errors';

/** Every request the daemon understands. Handles are u32; strings travel as UTF-8 bytes. */
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
  | { type: 'GETALLENV'; reserved: number };

/** Encodes a request into a fresh Buffer. Strings longer than the protocol allows are not checked here. */
export function encodeRequest(req: Request): Buffer {
  const code = Cmd[req.type];
  switch (req.type) {
    case 'QUERYVERSION':
    case 'LISTSERVICES':
    case 'LISTSERVICES5':
    case 'QUERY_LOAD_MECH':
    case 'LISTENENV':
      return Buffer.from([code]);
    case 'FINDSERVICE':
    case 'LOADSERVICE':
      return withString(code, req.name);
    case 'SETENV':
      return withString(code, req.envVar);
    case 'STARTSERVICE':
    case 'STOPSERVICE':
    case 'WAKESERVICE':
    case 'RELEASESERVICE':
    case 'CATLOG': {
      const b = Buffer.alloc(6);
      b[0] = code;
      b[1] = req.flags & 0xff;
      b.writeUInt32LE(req.handle >>> 0, 2);
      return b;
    }
    case 'QUERYSERVICENAME':
    case 'QUERYSERVICEDSCDIR': {
      const b = Buffer.alloc(6);
      b[0] = code;
      b[1] = req.reserved & 0xff;
      b.writeUInt32LE(req.handle >>> 0, 2);
      return b;
    }
    case 'UNPINSERVICE':
    case 'UNLOADSERVICE':
    case 'RELOADSERVICE':
    case 'CLOSEHANDLE':
    case 'SERVICESTATUS':
    case 'SERVICESTATUS5':
    case 'SERVICESTATUS6': {
      const b = Buffer.alloc(5);
      b[0] = code;
      b.writeUInt32LE(req.handle >>> 0, 1);
      return b;
    }
    case 'SHUTDOWN':
      return Buffer.from([code, req.shutdownType & 0xff]);
    case 'GETALLENV':
      return Buffer.from([code, req.reserved & 0xff]);
    case 'ADD_DEP':
    case 'REM_DEP':
    case 'ENABLESERVICE':
    case 'ENABLE_SERVICE_V7': {
      const b = Buffer.alloc(10);
      b[0] = code;
      b[1] = req.depType & 0xff;
      b.writeUInt32LE(req.from >>> 0, 2);
      b.writeUInt32LE(req.to >>> 0, 6);
      return b;
    }
    case 'SETTRIGGER': {
      const b = Buffer.alloc(6);
      b[0] = code;
      b.writeUInt32LE(req.handle >>> 0, 1);
      b[5] = req.value & 0xff;
      return b;
    }
    case 'SIGNAL': {
      const b = Buffer.alloc(9);
      b[0] = code;
      b.writeInt32LE(req.signal | 0, 1);
      b.writeUInt32LE(req.handle >>> 0, 5);
      return b;
    }
    default: {
      const never: never = req;
      throw new Error(`unhandled request ${(never as Request).type}`);
    }
  }
}

function withString(code: number, s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(3 + bytes.length);
  b[0] = code;
  b.writeUInt16LE(bytes.length & 0xffff, 1);
  bytes.copy(b, 3);
  return b;
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
  const need = (n: number): DecodeResult<Request> | undefined =>
    buf.length < n ? { status: 'incomplete', needed: n } : undefined;
  const ok = (packet: Request, length: number): DecodeResult<Request> => ({
    status: 'ok',
    packet,
    length,
  });
  switch (type) {
    case 'QUERYVERSION':
    case 'LISTSERVICES':
    case 'LISTSERVICES5':
    case 'QUERY_LOAD_MECH':
    case 'LISTENENV':
      return ok({ type }, 1);
    case 'FINDSERVICE':
    case 'LOADSERVICE':
    case 'SETENV': {
      const short = need(3);
      if (short) return short;
      const len = buf.readUInt16LE(1);
      if (len === 0 || len > MAX_REQUEST_STRING) {
        throw new ProtocolError(
          type,
          'length',
          `length ${len} out of range 1..${MAX_REQUEST_STRING}`,
        );
      }
      const short2 = need(3 + len);
      if (short2) return short2;
      const s = buf.toString('utf8', 3, 3 + len);
      return ok(type === 'SETENV' ? { type, envVar: s } : { type, name: s }, 3 + len);
    }
    case 'STARTSERVICE':
    case 'STOPSERVICE':
    case 'WAKESERVICE':
    case 'RELEASESERVICE':
    case 'CATLOG':
      return need(6) ?? ok({ type, flags: buf[1], handle: buf.readUInt32LE(2) }, 6);
    case 'QUERYSERVICENAME':
    case 'QUERYSERVICEDSCDIR':
      return need(6) ?? ok({ type, reserved: buf[1], handle: buf.readUInt32LE(2) }, 6);
    case 'UNPINSERVICE':
    case 'UNLOADSERVICE':
    case 'RELOADSERVICE':
    case 'CLOSEHANDLE':
    case 'SERVICESTATUS':
    case 'SERVICESTATUS5':
    case 'SERVICESTATUS6':
      return need(5) ?? ok({ type, handle: buf.readUInt32LE(1) }, 5);
    case 'SHUTDOWN':
      return need(2) ?? ok({ type, shutdownType: buf[1] }, 2);
    case 'GETALLENV':
      return need(2) ?? ok({ type, reserved: buf[1] }, 2);
    case 'ADD_DEP':
    case 'REM_DEP':
    case 'ENABLESERVICE':
    case 'ENABLE_SERVICE_V7':
      return (
        need(10) ??
        ok({ type, depType: buf[1], from: buf.readUInt32LE(2), to: buf.readUInt32LE(6) }, 10)
      );
    case 'SETTRIGGER':
      return need(6) ?? ok({ type, handle: buf.readUInt32LE(1), value: buf[5] }, 6);
    case 'SIGNAL':
      return need(9) ?? ok({ type, signal: buf.readInt32LE(1), handle: buf.readUInt32LE(5) }, 9);
    default: {
      const never: never = type;
      throw new ProtocolError('request', 'type', `unhandled command ${String(never as CmdName)}`);
    }
  }
}
