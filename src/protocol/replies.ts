// Reply and information packets (daemon -> client): typed shapes, encodeReply() and
// decodeServerPacket(). Some layouts depend on the request that was sent (SERVICESTATUS and
// SVCINFO carry a v1, v5 or v6 status block), so the decoder takes that context.

import { INFO_BASE, Info, Rply, type RplyName, infoName, rplyName } from './codes';
import type { DecodeResult } from './codes';
import { type StatusFormat, type StatusInfo, readStatus, statusSize, writeStatus } from './status';
import { type ServiceEvent, type ServiceState, EVENT_NAMES, STATE_NAMES } from '../model';
import { ProtocolError } from '../errors';

/** Replies that are a single type byte. */
export type SimpleReplyName = Exclude<
  RplyName,
  | 'CPVERSION'
  | 'SERVICERECORD'
  | 'SVCINFO'
  | 'LOADER_MECH'
  | 'DEPENDENTS'
  | 'SERVICENAME'
  | 'SERVICESTATUS'
  | 'SERVICE_LOG'
  | 'SVCDSCDIR'
  | 'ALLENV'
  | 'DTS_HELLO'
  | 'DTS_SNAPSHOT'
  | 'DTS_FOLLOWING'
>;

export type Reply =
  | { type: SimpleReplyName }
  | { type: 'CPVERSION'; minVersion: number; version: number }
  | { type: 'SERVICERECORD'; state: ServiceState; handle: number; targetState: ServiceState }
  /** One entry of a LISTSERVICES(5) answer; `format` is 1 for LISTSERVICES, 5 for LISTSERVICES5. */
  | { type: 'SVCINFO'; format: 1 | 5; name: string; status: StatusInfo }
  /** loaderType SSET_TYPE_DIRLOAD (1): cwd is '' when unknown; dirs as configured (may be relative to cwd). */
  | { type: 'LOADER_MECH'; loaderType: number; cwd: string; dirs: string[] }
  | { type: 'DEPENDENTS'; handles: number[] }
  | { type: 'SERVICENAME'; name: string }
  /**
   * `reserved` is the byte after the type: 0 for a status query; in the answer to
   * ENABLE_SERVICE_V7 it is 1 when the dependency already existed. The decoder sets it only
   * when it is not 0.
   */
  | { type: 'SERVICESTATUS'; format: StatusFormat; status: StatusInfo; reserved?: number }
  | { type: 'SERVICE_LOG'; flags: number; data: Buffer }
  | { type: 'SVCDSCDIR'; dir: string }
  /** Each entry NAME=VALUE. */
  | { type: 'ALLENV'; vars: string[] }
  /** dinit-ts extension: the daemon's extension version (after the client's DTS_HELLO). */
  | { type: 'DTS_HELLO'; version: number }
  /** dinit-ts extension: a JSON document (the daemon's ManagerSnapshot). */
  | { type: 'DTS_SNAPSHOT'; json: string }
  /** dinit-ts extension: the followed service's buffer at the moment the follow began. */
  | { type: 'DTS_FOLLOWING'; data: Buffer };

export type InfoPacket =
  /** SERVICEEVENT carries a v1 status block, SERVICEEVENT5 a v5 one. */
  | {
      type: 'SERVICEEVENT' | 'SERVICEEVENT5';
      handle: number;
      event: ServiceEvent;
      status: StatusInfo;
    }
  /** var is NAME=VALUE when set, NAME when unset; overridden: it had a value before. */
  | { type: 'ENVEVENT'; overridden: boolean; envVar: string }
  /** dinit-ts extension: output of a followed service; `dropped` bytes were lost just before. */
  | { type: 'DTS_OUTPUT'; handle: number; dropped: number; data: Buffer }
  /** An information packet of a type we do not know; skipped using its length byte. */
  | { type: 'UNKNOWN_INFO'; code: number; data: Buffer };

export type ServerPacket = Reply | InfoPacket;

/** What the decoder must know about the request a reply answers. */
export interface ReplyContext {
  /** Status layout of a SERVICESTATUS reply: 1 (SERVICESTATUS), 5 (SERVICESTATUS5) or 6 (SERVICESTATUS6). */
  status: StatusFormat;
  /** Status layout of SVCINFO entries: 1 (LISTSERVICES) or 5 (LISTSERVICES5). */
  list: 1 | 5;
  /** Largest variable-size payload accepted (log, env block, dependents); default 64 MiB. */
  maxPayload?: number;
}

const DEFAULT_REPLY_CONTEXT: ReplyContext = { status: 6, list: 5 };
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

const SERVICEEVENT_LEN = 2 + 4 + 1 + statusSize(1);
const SERVICEEVENT5_LEN = 2 + 4 + 1 + statusSize(5);
const ENVEVENT_HDR_LEN = 5;
/** DTS_OUTPUT: code, header length, handle u32, dropped u32, data length u32. */
const DTS_OUTPUT_HDR_LEN = 14;

/** Encodes a reply or information packet into a fresh Buffer. */
// The codec's switch is one table of packet layouts; splitting it would scatter the table.
// eslint-disable-next-line max-lines-per-function
export function encodeReply(p: ServerPacket): Buffer {
  switch (p.type) {
    case 'CPVERSION': {
      const b = Buffer.alloc(5);
      b[0] = Rply.CPVERSION;
      b.writeUInt16LE(p.minVersion & 0xffff, 1);
      b.writeUInt16LE(p.version & 0xffff, 3);
      return b;
    }
    case 'SERVICERECORD': {
      const b = Buffer.alloc(7);
      b[0] = Rply.SERVICERECORD;
      b[1] = STATE_NAMES.indexOf(p.state);
      b.writeUInt32LE(p.handle >>> 0, 2);
      b[6] = STATE_NAMES.indexOf(p.targetState);
      return b;
    }
    case 'SVCINFO': {
      let name = Buffer.from(p.name, 'latin1');
      if (name.length > 255) name = name.subarray(0, 255);
      const ss = statusSize(p.format);
      const b = Buffer.alloc(2 + ss + name.length);
      b[0] = Rply.SVCINFO;
      b[1] = name.length;
      writeStatus(b, 2, p.status, p.format);
      name.copy(b, 2 + ss);
      return b;
    }
    case 'LOADER_MECH': {
      const cwd = Buffer.from(p.cwd, 'latin1');
      const dirs = p.dirs.map((d) => Buffer.from(d, 'latin1'));
      const size = 14 + cwd.length + dirs.reduce((n, d) => n + 4 + d.length, 0);
      const b = Buffer.alloc(size);
      b[0] = Rply.LOADER_MECH;
      b[1] = p.loaderType;
      b.writeUInt32LE(size, 2);
      b.writeUInt32LE(dirs.length, 6);
      b.writeUInt32LE(cwd.length, 10);
      cwd.copy(b, 14);
      let off = 14 + cwd.length;
      for (const d of dirs) {
        b.writeUInt32LE(d.length, off);
        d.copy(b, off + 4);
        off += 4 + d.length;
      }
      return b;
    }
    case 'DEPENDENTS': {
      const b = Buffer.alloc(9 + 4 * p.handles.length);
      b[0] = Rply.DEPENDENTS;
      b.writeBigUInt64LE(BigInt(p.handles.length), 1);
      p.handles.forEach((h, i) => b.writeUInt32LE(h >>> 0, 9 + 4 * i));
      return b;
    }
    case 'SERVICENAME': {
      const name = Buffer.from(p.name, 'latin1');
      return withPayload(Rply.SERVICENAME, 4, { at: 2, bytes: 2 }, name.subarray(0, 0xffff));
    }
    case 'SERVICESTATUS': {
      const b = Buffer.alloc(2 + statusSize(p.format));
      b[0] = Rply.SERVICESTATUS;
      b[1] = (p.reserved ?? 0) & 0xff;
      writeStatus(b, 2, p.status, p.format);
      return b;
    }
    case 'SERVICE_LOG': {
      const b = withPayload(Rply.SERVICE_LOG, 6, { at: 2, bytes: 4 }, p.data);
      b[1] = p.flags & 0xff;
      return b;
    }
    case 'SVCDSCDIR':
      return withPayload(Rply.SVCDSCDIR, 5, { at: 1, bytes: 4 }, Buffer.from(p.dir, 'latin1'));
    case 'DTS_HELLO':
      return Buffer.from([Rply.DTS_HELLO, p.version & 0xff]);
    case 'DTS_SNAPSHOT':
      return withPayload(Rply.DTS_SNAPSHOT, 5, { at: 1, bytes: 4 }, Buffer.from(p.json, 'utf8'));
    case 'DTS_FOLLOWING':
      return withPayload(Rply.DTS_FOLLOWING, 5, { at: 1, bytes: 4 }, p.data);
    case 'DTS_OUTPUT': {
      const b = withPayload(Info.DTS_OUTPUT, DTS_OUTPUT_HDR_LEN, { at: 10, bytes: 4 }, p.data);
      b[1] = DTS_OUTPUT_HDR_LEN;
      b.writeUInt32LE(p.handle >>> 0, 2);
      b.writeUInt32LE(Math.min(p.dropped, 0xffffffff) >>> 0, 6);
      return b;
    }
    case 'ALLENV': {
      const data = Buffer.concat(p.vars.map((v) => Buffer.from(v + '\0', 'latin1')));
      return withPayload(Rply.ALLENV, 9, { at: 1, bytes: 8 }, data);
    }
    case 'SERVICEEVENT':
    case 'SERVICEEVENT5': {
      const v5 = p.type === 'SERVICEEVENT5';
      const len = v5 ? SERVICEEVENT5_LEN : SERVICEEVENT_LEN;
      const b = Buffer.alloc(len);
      b[0] = v5 ? Info.SERVICEEVENT5 : Info.SERVICEEVENT;
      b[1] = len;
      b.writeUInt32LE(p.handle >>> 0, 2);
      b[6] = EVENT_NAMES.indexOf(p.event);
      writeStatus(b, 7, p.status, v5 ? 5 : 1);
      return b;
    }
    case 'ENVEVENT': {
      const data = Buffer.from(p.envVar + '\0', 'latin1');
      const dataLen = Math.min(data.length, 0xffff);
      const b = Buffer.alloc(ENVEVENT_HDR_LEN + dataLen);
      b[0] = Info.ENVEVENT;
      b[1] = ENVEVENT_HDR_LEN;
      b[2] = p.overridden ? 1 : 0;
      b.writeUInt16LE(dataLen, 3);
      data.copy(b, ENVEVENT_HDR_LEN, 0, dataLen);
      return b;
    }
    case 'UNKNOWN_INFO': {
      const b = Buffer.alloc(2 + p.data.length);
      b[0] = p.code;
      b[1] = 2 + p.data.length;
      p.data.copy(b, 2);
      return b;
    }
    default:
      return Buffer.from([Rply[p.type]]);
  }
}

/**
 * A packet of `header` bytes (the type code first) followed by `data`, with the length of data
 * written in the header as a little-endian integer of the given width.
 */
function withPayload(
  code: number,
  header: number,
  length: { at: number; bytes: 2 | 4 | 8 },
  data: Buffer,
): Buffer {
  const b = Buffer.alloc(header + data.length);
  b[0] = code;
  if (length.bytes === 8) b.writeBigUInt64LE(BigInt(data.length), length.at);
  else b.writeUIntLE(data.length, length.at, length.bytes);
  data.copy(b, header);
  return b;
}

/**
 * Decodes one reply or information packet from the start of `buf`. `ctx` says which status
 * layout SERVICESTATUS and SVCINFO use (it depends on the request sent).
 * Returns 'ok' with the bytes consumed, or 'incomplete' with the total size needed so far.
 * Throws ProtocolError naming the packet and field for unknown codes, bad enum values,
 * inconsistent lengths and payloads larger than ctx.maxPayload.
 */
export function decodeServerPacket(
  buf: Buffer,
  ctx: ReplyContext = DEFAULT_REPLY_CONTEXT,
): DecodeResult<ServerPacket> {
  if (buf.length < 1) return { status: 'incomplete', needed: 1 };
  const code = buf[0];
  return code >= INFO_BASE ? decodeInfo(buf) : decodeReplyOnly(buf, ctx);
}

type Result = DecodeResult<ServerPacket>;
const incomplete = (needed: number): Result => ({ status: 'incomplete', needed });
const ok = (packet: ServerPacket, length: number): Result => ({ status: 'ok', packet, length });

function checkPayload(packet: string, field: string, n: number | bigint, max: number): number {
  if (n > max) throw new ProtocolError(packet, field, `${n} exceeds the limit of ${max} bytes`);
  return Number(n);
}

function decodeState(packet: string, field: string, v: number): ServiceState {
  const s = STATE_NAMES[v];
  if (s === undefined) throw new ProtocolError(packet, field, `unknown service state ${v}`);
  return s;
}

// The codec's switch is one table of packet layouts; splitting it would scatter the table.
// eslint-disable-next-line max-lines-per-function
function decodeReplyOnly(buf: Buffer, ctx: ReplyContext): Result {
  const type = rplyName(buf[0]);
  if (type === undefined) throw new ProtocolError('reply', 'type', `unknown reply code ${buf[0]}`);
  const max = ctx.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  switch (type) {
    case 'CPVERSION':
      if (buf.length < 5) return incomplete(5);
      return ok({ type, minVersion: buf.readUInt16LE(1), version: buf.readUInt16LE(3) }, 5);
    case 'SERVICERECORD':
      if (buf.length < 7) return incomplete(7);
      return ok(
        {
          type,
          state: decodeState(type, 'state', buf[1]),
          handle: buf.readUInt32LE(2),
          targetState: decodeState(type, 'targetState', buf[6]),
        },
        7,
      );
    case 'SVCINFO': {
      const hdr = 2 + statusSize(ctx.list);
      if (buf.length < 2) return incomplete(Math.max(2, hdr));
      const total = hdr + buf[1];
      if (buf.length < total) return incomplete(total);
      const status = readStatus(buf, 2, ctx.list, type);
      return ok(
        { type, format: ctx.list, name: buf.toString('latin1', hdr, total), status },
        total,
      );
    }
    case 'LOADER_MECH': {
      if (buf.length < 14) return incomplete(14);
      const size = buf.readUInt32LE(2);
      if (size < 14)
        throw new ProtocolError(type, 'packetSize', `size ${size} is smaller than the header`);
      checkPayload(type, 'packetSize', size, max);
      if (buf.length < size) return incomplete(size);
      const ndirs = buf.readUInt32LE(6);
      const cwdLen = buf.readUInt32LE(10);
      if (14 + cwdLen > size)
        throw new ProtocolError(type, 'cwdLength', `cwd length ${cwdLen} overruns the packet`);
      const cwd = buf.toString('latin1', 14, 14 + cwdLen);
      const dirs: string[] = [];
      let off = 14 + cwdLen;
      for (let i = 0; i < ndirs; i++) {
        if (off + 4 > size)
          throw new ProtocolError(type, 'dirCount', `${ndirs} directories overrun the packet`);
        const len = buf.readUInt32LE(off);
        if (off + 4 + len > size)
          throw new ProtocolError(type, 'dirLength', `directory ${i} overruns the packet`);
        dirs.push(buf.toString('latin1', off + 4, off + 4 + len));
        off += 4 + len;
      }
      if (off !== size) throw new ProtocolError(type, 'packetSize', `${size - off} trailing bytes`);
      return ok({ type, loaderType: buf[1], cwd, dirs }, size);
    }
    case 'DEPENDENTS': {
      if (buf.length < 9) return incomplete(9);
      const count = buf.readBigUInt64LE(1);
      const n = checkPayload(type, 'count', count * 4n, max) / 4;
      const total = 9 + 4 * n;
      if (buf.length < total) return incomplete(total);
      const handles: number[] = [];
      for (let i = 0; i < n; i++) handles.push(buf.readUInt32LE(9 + 4 * i));
      return ok({ type, handles }, total);
    }
    case 'SERVICENAME': {
      if (buf.length < 4) return incomplete(4);
      const total = 4 + buf.readUInt16LE(2);
      if (buf.length < total) return incomplete(total);
      return ok({ type, name: buf.toString('latin1', 4, total) }, total);
    }
    case 'SERVICESTATUS': {
      const total = 2 + statusSize(ctx.status);
      if (buf.length < total) return incomplete(total);
      const status = readStatus(buf, 2, ctx.status, type);
      const reply = { type, format: ctx.status, status };
      return ok(buf[1] !== 0 ? { ...reply, reserved: buf[1] } : reply, total);
    }
    case 'SERVICE_LOG': {
      if (buf.length < 6) return incomplete(6);
      const total = 6 + checkPayload(type, 'length', buf.readUInt32LE(2), max);
      if (buf.length < total) return incomplete(total);
      return ok({ type, flags: buf[1], data: Buffer.from(buf.subarray(6, total)) }, total);
    }
    case 'DTS_FOLLOWING': {
      if (buf.length < 5) return incomplete(5);
      const total = 5 + checkPayload(type, 'length', buf.readUInt32LE(1), max);
      if (buf.length < total) return incomplete(total);
      return ok({ type, data: Buffer.from(buf.subarray(5, total)) }, total);
    }
    case 'SVCDSCDIR':
    case 'DTS_SNAPSHOT': {
      if (buf.length < 5) return incomplete(5);
      const total = 5 + checkPayload(type, 'length', buf.readUInt32LE(1), max);
      if (buf.length < total) return incomplete(total);
      // A directory is bytes; the snapshot is a UTF-8 JSON document (of byte strings).
      const enc = type === 'SVCDSCDIR' ? 'latin1' : 'utf8';
      const text = buf.toString(enc, 5, total);
      return ok(type === 'SVCDSCDIR' ? { type, dir: text } : { type, json: text }, total);
    }
    case 'DTS_HELLO':
      if (buf.length < 2) return incomplete(2);
      return ok({ type, version: buf[1] }, 2);
    case 'ALLENV': {
      if (buf.length < 9) return incomplete(9);
      const total = 9 + checkPayload(type, 'size', buf.readBigUInt64LE(1), max);
      if (buf.length < total) return incomplete(total);
      const text = buf.toString('latin1', 9, total);
      const vars = text.split('\0');
      // Each variable is NUL-terminated, so the split leaves one empty string at the end.
      if (vars[vars.length - 1] === '') vars.pop();
      return ok({ type, vars }, total);
    }
    default:
      return ok({ type }, 1);
  }
}

function decodeInfo(buf: Buffer): Result {
  if (buf.length < 2) return incomplete(2);
  const code = buf[0];
  const len = buf[1];
  const type = infoName(code);
  switch (type) {
    case 'SERVICEEVENT':
    case 'SERVICEEVENT5': {
      const full = type === 'SERVICEEVENT5' ? SERVICEEVENT5_LEN : SERVICEEVENT_LEN;
      if (len < full) throw new ProtocolError(type, 'length', `length ${len} is less than ${full}`);
      if (buf.length < len) return incomplete(len);
      const event = EVENT_NAMES[buf[6]];
      if (event === undefined)
        throw new ProtocolError(type, 'event', `unknown service event ${buf[6]}`);
      const status = readStatus(buf, 7, type === 'SERVICEEVENT5' ? 5 : 1, type);
      return ok({ type, handle: buf.readUInt32LE(2), event, status }, len);
    }
    case 'ENVEVENT': {
      if (len < ENVEVENT_HDR_LEN) {
        throw new ProtocolError(
          type,
          'length',
          `header length ${len} is less than ${ENVEVENT_HDR_LEN}`,
        );
      }
      if (buf.length < len) return incomplete(len);
      const total = len + buf.readUInt16LE(3);
      if (buf.length < total) return incomplete(total);
      let end = total;
      if (end > len && buf[end - 1] === 0) end--;
      return ok(
        { type, overridden: buf[2] !== 0, envVar: buf.toString('latin1', len, end) },
        total,
      );
    }
    case 'DTS_OUTPUT': {
      if (len < DTS_OUTPUT_HDR_LEN) {
        throw new ProtocolError(type, 'length', `header length ${len} is less than 14`);
      }
      if (buf.length < len) return incomplete(len);
      const total =
        len + checkPayload(type, 'dataLength', buf.readUInt32LE(10), DEFAULT_MAX_PAYLOAD);
      if (buf.length < total) return incomplete(total);
      return ok(
        {
          type,
          handle: buf.readUInt32LE(2),
          dropped: buf.readUInt32LE(6),
          data: Buffer.from(buf.subarray(len, total)),
        },
        total,
      );
    }
    default:
      if (len < 2) throw new ProtocolError('info', 'length', `length ${len} is less than 2`);
      if (buf.length < len) return incomplete(len);
      return ok({ type: 'UNKNOWN_INFO', code, data: Buffer.from(buf.subarray(2, len)) }, len);
  }
}
