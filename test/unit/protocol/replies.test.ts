// Reply and info codec: upstream byte layouts (status blocks v1/v5/v6, events, env blocks),
// partial and malformed input, and property tests over every packet type.

import fc from 'fast-check';
import {
  type ReplyContext,
  type ServerPacket,
  type StatusInfo,
  decodeServerPacket,
  encodeReply,
  statusDetails,
} from '../../../src/protocol';
import { ProtocolError } from '../../../src/errors';

const ctx6: ReplyContext = { status: 6, list: 5 };

function decodeAll(buf: Buffer, ctx: ReplyContext = ctx6): ServerPacket {
  const r = decodeServerPacket(buf, ctx);
  if (r.status !== 'ok') throw new Error(`incomplete: ${r.needed}`);
  expect(r.length).toBe(buf.length);
  return r.packet;
}

function errorOf(bytes: Buffer, ctx: ReplyContext = ctx6): ProtocolError {
  try {
    decodeServerPacket(bytes, ctx);
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('no error');
}

const runningStatus: StatusInfo = {
  state: 'started',
  targetState: 'started',
  waitingForConsole: false,
  hasConsole: true,
  startSkipped: false,
  markedActive: true,
  hasPid: true,
  stopReason: 'normal',
  execStage: 0,
  word1: 1234,
  word2: 0,
};

describe('reply layouts', () => {
  it('CPVERSION carries min and current version as u16 LE', () => {
    const b = encodeReply({ type: 'CPVERSION', minVersion: 1, version: 6 });
    expect([...b]).toEqual([58, 1, 0, 6, 0]);
    expect(decodeAll(b)).toEqual({ type: 'CPVERSION', minVersion: 1, version: 6 });
  });

  it('SERVICERECORD is state, u32 handle, target', () => {
    const b = encodeReply({
      type: 'SERVICERECORD',
      state: 'starting',
      handle: 3,
      targetState: 'started',
    });
    expect([...b]).toEqual([59, 1, 3, 0, 0, 0, 2]);
  });

  it('SERVICESTATUS v6 is 32 bytes with flags, pid and mtime at the upstream offsets', () => {
    const status = { ...runningStatus, mtime: { sec: 1700000000, nsec: 5 } };
    const b = encodeReply({ type: 'SERVICESTATUS', format: 6, status });
    expect(b.length).toBe(32);
    expect(b[0]).toBe(70);
    expect(b[1]).toBe(0);
    expect(b[2]).toBe(2); // started
    expect(b[4]).toBe(2 | 8 | 16); // has console, marked active, has pid
    expect(b.readInt32LE(8)).toBe(1234);
    expect(b.readInt32LE(12)).toBe(0);
    expect(b.readBigInt64LE(16)).toBe(1700000000n);
    expect(b.readBigInt64LE(24)).toBe(5n);
    expect(decodeAll(b)).toEqual({ type: 'SERVICESTATUS', format: 6, status });
  });

  it('SERVICESTATUS answering ENABLE_SERVICE_V7 carries "already existed" in the reserved byte', () => {
    const status = { ...runningStatus, mtime: { sec: 1, nsec: 2 } };
    const b = encodeReply({ type: 'SERVICESTATUS', format: 6, status, reserved: 1 });
    expect(b.length).toBe(32);
    expect(b[1]).toBe(1);
    expect(decodeAll(b)).toEqual({ type: 'SERVICESTATUS', format: 6, status, reserved: 1 });
    // Truncated anywhere, it asks for the whole v6 packet.
    for (let n = 1; n < b.length; n++) {
      expect(decodeServerPacket(b.subarray(0, n))).toEqual({ status: 'incomplete', needed: 32 });
    }
  });

  it('SERVICESTATUS sizes follow the request: 12 bytes for v1, 16 for v5', () => {
    expect(encodeReply({ type: 'SERVICESTATUS', format: 1, status: runningStatus }).length).toBe(
      12,
    );
    expect(encodeReply({ type: 'SERVICESTATUS', format: 5, status: runningStatus }).length).toBe(
      16,
    );
    const b5 = encodeReply({ type: 'SERVICESTATUS', format: 5, status: runningStatus });
    expect(decodeAll(b5, { status: 5, list: 5 })).toEqual({
      type: 'SERVICESTATUS',
      format: 5,
      status: runningStatus,
    });
  });

  it('SVCINFO (LISTSERVICES5) is name length, 14-byte status, name', () => {
    const b = encodeReply({ type: 'SVCINFO', format: 5, name: 'boot', status: runningStatus });
    expect(b.length).toBe(2 + 14 + 4);
    expect(b[1]).toBe(4);
    expect(b.toString('utf8', 16)).toBe('boot');
  });

  it('SVCINFO truncates names to 255 bytes', () => {
    const b = encodeReply({
      type: 'SVCINFO',
      format: 1,
      name: 'x'.repeat(300),
      status: runningStatus,
    });
    expect(b[1]).toBe(255);
    expect(b.length).toBe(2 + 10 + 255);
  });

  it('DEPENDENTS has a size_t count then u32 handles', () => {
    const b = encodeReply({ type: 'DEPENDENTS', handles: [1, 2] });
    expect([...b]).toEqual([65, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
    expect(decodeAll(b)).toEqual({ type: 'DEPENDENTS', handles: [1, 2] });
  });

  it('SERVICENAME has a reserved byte then u16 length', () => {
    expect([...encodeReply({ type: 'SERVICENAME', name: 'ab' })]).toEqual([
      66, 0, 2, 0, 0x61, 0x62,
    ]);
  });

  it('SERVICE_LOG has flags then u32 length then data', () => {
    const b = encodeReply({ type: 'SERVICE_LOG', flags: 0, data: Buffer.from('hi\n') });
    expect([...b]).toEqual([73, 0, 3, 0, 0, 0, 0x68, 0x69, 0x0a]);
  });

  it('SVCDSCDIR has u32 length then the directory', () => {
    expect([...encodeReply({ type: 'SVCDSCDIR', dir: '/a' })]).toEqual([
      77, 2, 0, 0, 0, 0x2f, 0x61,
    ]);
  });

  it('ALLENV has a size_t size then NUL-terminated NAME=VALUE strings', () => {
    const b = encodeReply({ type: 'ALLENV', vars: ['A=1', 'B='] });
    expect(b.readBigUInt64LE(1)).toBe(7n);
    expect(b.toString('latin1', 9)).toBe('A=1\0B=\0');
    expect(decodeAll(b)).toEqual({ type: 'ALLENV', vars: ['A=1', 'B='] });
  });

  it('DTS_HELLO (dinit-ts extension) carries the extension version in one byte', () => {
    const b = encodeReply({ type: 'DTS_HELLO', version: 1 });
    expect([...b]).toEqual([96, 1]);
    expect(decodeAll(b)).toEqual({ type: 'DTS_HELLO', version: 1 });
  });

  it('LOADER_MECH carries total size, dir count, cwd and dirs', () => {
    const p: ServerPacket = {
      type: 'LOADER_MECH',
      loaderType: 1,
      cwd: '/w',
      dirs: ['/etc/d', 'rel'],
    };
    const b = encodeReply(p);
    expect(b.readUInt32LE(2)).toBe(b.length);
    expect(b.readUInt32LE(6)).toBe(2);
    expect(b.readUInt32LE(10)).toBe(2);
    expect(decodeAll(b)).toEqual(p);
  });

  it('single-byte replies', () => {
    expect([...encodeReply({ type: 'PREACK' })]).toEqual([79]);
    expect(decodeAll(Buffer.from([61]))).toEqual({ type: 'ALREADYSS' });
  });
});

describe('info packets', () => {
  it('SERVICEEVENT5 is 21 bytes: type, length, handle, event, v5 status', () => {
    const b = encodeReply({
      type: 'SERVICEEVENT5',
      handle: 2,
      event: 'failedstart',
      status: runningStatus,
    });
    expect(b.length).toBe(21);
    expect([b[0], b[1], b[6]]).toEqual([101, 21, 2]);
  });
  it('SERVICEEVENT is 17 bytes', () => {
    const b = encodeReply({
      type: 'SERVICEEVENT',
      handle: 2,
      event: 'started',
      status: runningStatus,
    });
    expect([b.length, b[1]]).toEqual([17, 17]);
  });
  it('ENVEVENT has header length 5, flags, u16 data length including the NUL', () => {
    const b = encodeReply({ type: 'ENVEVENT', overridden: true, envVar: 'A=1' });
    expect([...b]).toEqual([102, 5, 1, 4, 0, 0x41, 0x3d, 0x31, 0]);
    expect(decodeAll(b)).toEqual({ type: 'ENVEVENT', overridden: true, envVar: 'A=1' });
  });
  it('skips an unknown info packet by its length byte', () => {
    expect(decodeAll(Buffer.from([120, 4, 9, 9]))).toEqual({
      type: 'UNKNOWN_INFO',
      code: 120,
      data: Buffer.from([9, 9]),
    });
  });
});

describe('partial and malformed replies', () => {
  it('asks for the rest of a SERVICESTATUS packet', () => {
    const b = encodeReply({ type: 'SERVICESTATUS', format: 6, status: runningStatus });
    expect(decodeServerPacket(b.subarray(0, 10), ctx6)).toEqual({
      status: 'incomplete',
      needed: 32,
    });
  });
  it('asks for the declared size of a log packet', () => {
    const b = encodeReply({ type: 'SERVICE_LOG', flags: 0, data: Buffer.alloc(100) });
    expect(decodeServerPacket(b.subarray(0, 7))).toEqual({ status: 'incomplete', needed: 106 });
  });
  it('rejects an unknown reply code', () => {
    const e = errorOf(Buffer.from([57]));
    expect([e.packet, e.field]).toEqual(['reply', 'type']);
  });
  it('rejects an unknown service state', () => {
    const e = errorOf(Buffer.from([59, 9, 0, 0, 0, 0, 0]));
    expect([e.packet, e.field]).toEqual(['SERVICERECORD', 'state']);
  });
  it('rejects an unknown stop reason inside a status block', () => {
    const b = encodeReply({ type: 'SERVICESTATUS', format: 6, status: runningStatus });
    b[5] = 42;
    const e = errorOf(b);
    expect([e.packet, e.field]).toEqual(['SERVICESTATUS', 'stopReason']);
  });
  it('rejects an event packet shorter than its fixed size', () => {
    const e = errorOf(Buffer.from([101, 7, 0, 0, 0, 0, 0]));
    expect([e.packet, e.field]).toEqual(['SERVICEEVENT5', 'length']);
  });
  it('rejects a payload above the limit before waiting for it', () => {
    const b = Buffer.from([78, 0, 0, 0, 0, 0, 0, 0, 1]); // 2^56 bytes
    const e = errorOf(b);
    expect([e.packet, e.field]).toEqual(['ALLENV', 'size']);
  });
  it('rejects a LOADER_MECH whose directories overrun it', () => {
    const b = encodeReply({ type: 'LOADER_MECH', loaderType: 1, cwd: '', dirs: ['/a'] });
    b.writeUInt32LE(3, 6);
    expect(errorOf(b).field).toBe('dirCount');
  });
});

describe('statusDetails', () => {
  const stopped: StatusInfo = {
    ...runningStatus,
    state: 'stopped',
    hasPid: false,
    stopReason: 'terminated',
    word1: 1,
    word2: 3,
  };
  it('reads pid when there is one', () => {
    expect(statusDetails(runningStatus, 6)).toEqual({ pid: 1234 });
  });
  it('reads si_code/si_status in v5+', () => {
    expect(statusDetails(stopped, 5)).toEqual({ exit: { kind: 'exited', code: 3 } });
    expect(statusDetails({ ...stopped, word1: 2, word2: 9 }, 6)).toEqual({
      exit: { kind: 'signalled', signal: 9, coreDumped: false },
    });
  });
  it('reads exec failure stage and errno', () => {
    expect(
      statusDetails({ ...stopped, stopReason: 'execfailed', execStage: 3, word1: 2 }, 5),
    ).toEqual({ execFailure: { stage: 3, errno: 2 } });
  });
});

// ---- properties ----

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const state = fc.constantFrom(
  'stopped' as const,
  'starting' as const,
  'started' as const,
  'stopping' as const,
);
const text = (max: number) =>
  fc.string({ maxLength: max }).filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s);
const nonNulText = (max: number) => text(max).filter((s) => !s.includes('\0'));

function statusArb(format: 1 | 5 | 6): fc.Arbitrary<StatusInfo> {
  return fc
    .record({
      state,
      targetState: state,
      waitingForConsole: fc.boolean(),
      hasConsole: fc.boolean(),
      startSkipped: fc.boolean(),
      markedActive: fc.boolean(),
      hasPid: fc.boolean(),
      stopReason: fc.constantFrom(
        'normal' as const,
        'deprestart' as const,
        'depfailed' as const,
        'failed' as const,
        'execfailed' as const,
        'timedout' as const,
        'terminated' as const,
      ),
      execStage: fc.integer({ min: 0, max: 0xffff }),
      word1: i32,
      word2: format === 1 ? fc.constant(0) : i32,
      sec: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      nsec: fc.integer({ min: 0, max: 999999999 }),
    })
    .map(({ sec, nsec, ...s }) => (format === 6 ? { ...s, mtime: { sec, nsec } } : s));
}

const simple = fc.constantFrom(
  'ACK',
  'NAK',
  'BADREQ',
  'OOM',
  'SERVICELOADERR',
  'SERVICEOOM',
  'NOSERVICE',
  'ALREADYSS',
  'LISTDONE',
  'PINNEDSTOPPED',
  'PINNEDSTARTED',
  'SHUTTINGDOWN',
  'SERVICE_DESC_ERR',
  'SERVICE_LOAD_ERR',
  'SIGNAL_NOPID',
  'SIGNAL_BADSIG',
  'SIGNAL_KILLERR',
  'PREACK',
) as fc.Arbitrary<'ACK'>;

function packetArb(ctx: ReplyContext): fc.Arbitrary<ServerPacket> {
  return fc.oneof(
    simple.map((type) => ({ type }) as ServerPacket),
    fc.record({
      type: fc.constant('CPVERSION' as const),
      minVersion: fc.integer({ min: 0, max: 0xffff }),
      version: fc.integer({ min: 0, max: 0xffff }),
    }),
    fc.record({
      type: fc.constant('SERVICERECORD' as const),
      state,
      handle: u32,
      targetState: state,
    }),
    fc.record({
      type: fc.constant('SVCINFO' as const),
      format: fc.constant(ctx.list),
      name: text(60).filter((s) => Buffer.byteLength(s) <= 255),
      status: statusArb(ctx.list),
    }),
    fc.record({
      type: fc.constant('LOADER_MECH' as const),
      loaderType: fc.integer({ min: 0, max: 255 }),
      cwd: text(30),
      dirs: fc.array(text(30), { maxLength: 4 }),
    }),
    fc.record({
      type: fc.constant('DEPENDENTS' as const),
      handles: fc.array(u32, { maxLength: 8 }),
    }),
    fc.record({ type: fc.constant('SERVICENAME' as const), name: text(60) }),
    fc.record({
      type: fc.constant('SERVICESTATUS' as const),
      format: fc.constant(ctx.status),
      status: statusArb(ctx.status),
    }),
    // The answer to ENABLE_SERVICE_V7 (v6 block, "already existed" byte set).
    fc.record({
      type: fc.constant('SERVICESTATUS' as const),
      format: fc.constant(ctx.status),
      status: statusArb(ctx.status),
      reserved: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      type: fc.constant('SERVICE_LOG' as const),
      flags: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    }),
    fc.record({ type: fc.constant('SVCDSCDIR' as const), dir: text(60) }),
    fc.record({
      type: fc.constant('DTS_HELLO' as const),
      version: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ type: fc.constant('DTS_SNAPSHOT' as const), json: text(80) }),
    fc.record({
      type: fc.constant('DTS_FOLLOWING' as const),
      data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    }),
    fc.record({
      type: fc.constant('DTS_OUTPUT' as const),
      handle: u32,
      dropped: u32,
      data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    }),
    fc.record({
      type: fc.constant('ALLENV' as const),
      vars: fc.array(nonNulText(20), { maxLength: 6 }),
    }),
    fc.record({
      type: fc.constantFrom('SERVICEEVENT' as const),
      handle: u32,
      event: fc.constantFrom(
        'started' as const,
        'stopped' as const,
        'failedstart' as const,
        'startcancelled' as const,
        'stopcancelled' as const,
      ),
      status: statusArb(1),
    }),
    fc.record({
      type: fc.constantFrom('SERVICEEVENT5' as const),
      handle: u32,
      event: fc.constantFrom('started' as const, 'stopped' as const),
      status: statusArb(5),
    }),
    fc.record({
      type: fc.constant('ENVEVENT' as const),
      overridden: fc.boolean(),
      envVar: nonNulText(40),
    }),
  ) as fc.Arbitrary<ServerPacket>;
}

describe('reply codec properties', () => {
  const contexts: ReplyContext[] = [
    { status: 1, list: 1 },
    { status: 5, list: 5 },
    { status: 6, list: 5 },
  ];
  it.each(contexts)('decode(encode(p)) == p (status v$status, list v$list)', (ctx) => {
    fc.assert(
      fc.property(packetArb(ctx), (p) => {
        const decoded = decodeAll(encodeReply(p), ctx);
        // An ALLENV with one empty variable encodes as "\0", which reads back as [''].
        expect(decoded).toEqual(p);
      }),
    );
  });

  it('every strict prefix of an encoded packet is incomplete', () => {
    fc.assert(
      fc.property(packetArb(ctx6), (p) => {
        const b = encodeReply(p);
        for (let i = 0; i < b.length; i++) {
          const r = decodeServerPacket(b.subarray(0, i), ctx6);
          expect(r.status).toBe('incomplete');
          if (r.status === 'incomplete') expect(r.needed).toBeGreaterThan(i);
        }
      }),
    );
  });

  it('random bytes decode, ask for more, or throw ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(...contexts), (bytes, ctx) => {
        try {
          const r = decodeServerPacket(Buffer.from(bytes), { ...ctx, maxPayload: 1 << 20 });
          if (r.status === 'ok') expect(r.length).toBeLessThanOrEqual(bytes.length);
          else expect(r.needed).toBeGreaterThan(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
