// Request codec: exact wire bytes for each command, partial input, malformed input, and
// property tests (round trip; random bytes only ever fail with ProtocolError).

import fc from 'fast-check';
import { type Request, decodeRequest, encodeRequest } from '../../../src/protocol';
import { ProtocolError } from '../../../src/errors';

function decodeAll(buf: Buffer): Request {
  const r = decodeRequest(buf);
  if (r.status !== 'ok') throw new Error(`incomplete: ${r.needed}`);
  expect(r.length).toBe(buf.length);
  return r.packet;
}

describe('request encoding matches the upstream wire layout', () => {
  const cases: [string, Request, number[]][] = [
    ['QUERYVERSION', { type: 'QUERYVERSION' }, [0]],
    ['LOADSERVICE', { type: 'LOADSERVICE', name: 'ab' }, [2, 2, 0, 0x61, 0x62]],
    ['FINDSERVICE', { type: 'FINDSERVICE', name: 'x' }, [1, 1, 0, 0x78]],
    ['STARTSERVICE', { type: 'STARTSERVICE', flags: 1, handle: 0x01020304 }, [3, 1, 4, 3, 2, 1]],
    [
      'STOPSERVICE restart',
      { type: 'STOPSERVICE', flags: 2 | 4 | 128, handle: 7 },
      [4, 134, 7, 0, 0, 0],
    ],
    ['WAKESERVICE', { type: 'WAKESERVICE', flags: 0, handle: 1 }, [5, 0, 1, 0, 0, 0]],
    ['RELEASESERVICE', { type: 'RELEASESERVICE', flags: 0, handle: 1 }, [6, 0, 1, 0, 0, 0]],
    ['UNPINSERVICE', { type: 'UNPINSERVICE', handle: 2 }, [7, 2, 0, 0, 0]],
    ['LISTSERVICES', { type: 'LISTSERVICES' }, [8]],
    ['UNLOADSERVICE', { type: 'UNLOADSERVICE', handle: 3 }, [9, 3, 0, 0, 0]],
    ['SHUTDOWN', { type: 'SHUTDOWN', shutdownType: 2 }, [10, 2]],
    ['ADD_DEP', { type: 'ADD_DEP', depType: 2, from: 1, to: 2 }, [11, 2, 1, 0, 0, 0, 2, 0, 0, 0]],
    ['REM_DEP', { type: 'REM_DEP', depType: 0, from: 1, to: 2 }, [12, 0, 1, 0, 0, 0, 2, 0, 0, 0]],
    ['QUERY_LOAD_MECH', { type: 'QUERY_LOAD_MECH' }, [13]],
    [
      'ENABLESERVICE',
      { type: 'ENABLESERVICE', depType: 2, from: 0, to: 1 },
      [14, 2, 0, 0, 0, 0, 1, 0, 0, 0],
    ],
    ['QUERYSERVICENAME', { type: 'QUERYSERVICENAME', reserved: 0, handle: 5 }, [15, 0, 5, 0, 0, 0]],
    ['RELOADSERVICE', { type: 'RELOADSERVICE', handle: 5 }, [16, 5, 0, 0, 0]],
    ['SETENV', { type: 'SETENV', envVar: 'A=1' }, [17, 3, 0, 0x41, 0x3d, 0x31]],
    ['SERVICESTATUS', { type: 'SERVICESTATUS', handle: 1 }, [18, 1, 0, 0, 0]],
    ['SETTRIGGER', { type: 'SETTRIGGER', handle: 1, value: 1 }, [19, 1, 0, 0, 0, 1]],
    ['CATLOG', { type: 'CATLOG', flags: 1, handle: 1 }, [20, 1, 1, 0, 0, 0]],
    ['SIGNAL', { type: 'SIGNAL', signal: 15, handle: 1 }, [21, 15, 0, 0, 0, 1, 0, 0, 0]],
    [
      'QUERYSERVICEDSCDIR',
      { type: 'QUERYSERVICEDSCDIR', reserved: 0, handle: 1 },
      [22, 0, 1, 0, 0, 0],
    ],
    ['CLOSEHANDLE', { type: 'CLOSEHANDLE', handle: 9 }, [23, 9, 0, 0, 0]],
    ['GETALLENV', { type: 'GETALLENV', reserved: 0 }, [24, 0]],
    ['LISTSERVICES5', { type: 'LISTSERVICES5' }, [25]],
    ['SERVICESTATUS5', { type: 'SERVICESTATUS5', handle: 1 }, [26, 1, 0, 0, 0]],
    ['LISTENENV', { type: 'LISTENENV' }, [27]],
    ['SERVICESTATUS6', { type: 'SERVICESTATUS6', handle: 1 }, [28, 1, 0, 0, 0]],
    ['DTS_HELLO', { type: 'DTS_HELLO', version: 1 }, [208, 1]],
    ['DTS_REEXEC', { type: 'DTS_REEXEC' }, [210]],
    [
      'ENABLE_SERVICE_V7',
      { type: 'ENABLE_SERVICE_V7', depType: 2, from: 3, to: 4 },
      [29, 2, 3, 0, 0, 0, 4, 0, 0, 0],
    ],
  ];
  it.each(cases)('%s', (_name, req, bytes) => {
    expect([...encodeRequest(req)]).toEqual(bytes);
    expect(decodeAll(Buffer.from(bytes))).toEqual(req);
  });

  it('encodes a negative signal number as a signed int', () => {
    const b = encodeRequest({ type: 'SIGNAL', signal: -1, handle: 0 });
    expect(b.readInt32LE(1)).toBe(-1);
  });
});

describe('partial requests', () => {
  it('asks for the fixed size of a handle packet', () => {
    expect(decodeRequest(Buffer.from([3, 0, 1]))).toEqual({ status: 'incomplete', needed: 6 });
  });
  it('asks for the header, then the whole name, of a LOADSERVICE packet', () => {
    expect(decodeRequest(Buffer.from([2, 5]))).toEqual({ status: 'incomplete', needed: 3 });
    expect(decodeRequest(Buffer.from([2, 5, 0, 0x61]))).toEqual({
      status: 'incomplete',
      needed: 8,
    });
  });
  it('asks for one byte from an empty buffer', () => {
    expect(decodeRequest(Buffer.alloc(0))).toEqual({ status: 'incomplete', needed: 1 });
  });
  it('decodes only the first packet when several are buffered', () => {
    const b = Buffer.concat([
      encodeRequest({ type: 'LISTSERVICES5' }),
      encodeRequest({ type: 'QUERYVERSION' }),
    ]);
    expect(decodeRequest(b)).toEqual({
      status: 'ok',
      packet: { type: 'LISTSERVICES5' },
      length: 1,
    });
  });
});

describe('protocol 7 enable', () => {
  it('asks for all ten bytes of a truncated ENABLE_SERVICE_V7', () => {
    const full = encodeRequest({ type: 'ENABLE_SERVICE_V7', depType: 2, from: 1, to: 2 });
    for (let n = 1; n < full.length; n++) {
      expect(decodeRequest(full.subarray(0, n))).toEqual({ status: 'incomplete', needed: 10 });
    }
  });
  it('treats code 30, one past the newest command, as unknown', () => {
    expect(() => decodeRequest(Buffer.from([30]))).toThrow(ProtocolError);
  });
});

describe('malformed requests', () => {
  function errorOf(bytes: number[]): ProtocolError {
    try {
      decodeRequest(Buffer.from(bytes));
    } catch (e) {
      if (e instanceof ProtocolError) return e;
      throw e;
    }
    throw new Error('no error');
  }
  it('rejects an unknown command code naming the type field', () => {
    const e = errorOf([99]);
    expect(e.code).toBe('ERR_DINIT_PROTOCOL');
    expect(e.field).toBe('type');
    expect(e.packet).toBe('request');
  });
  it('rejects an empty service name', () => {
    const e = errorOf([2, 0, 0]);
    expect([e.packet, e.field]).toEqual(['LOADSERVICE', 'length']);
  });
  it('rejects a name longer than upstream accepts (1021 bytes)', () => {
    const e = errorOf([1, 0xfe, 0x03]);
    expect([e.packet, e.field]).toEqual(['FINDSERVICE', 'length']);
  });
  it('rejects an over-long SETENV variable', () => {
    expect(errorOf([17, 0xff, 0xff]).packet).toBe('SETENV');
  });
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });
const name = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => {
  const n = Buffer.byteLength(s, 'utf8');
  return n > 0 && n <= 1021 && !s.includes('\uFFFD');
});
// Only strings that survive UTF-8 round trip (no lone surrogates).
const wellFormed = name.filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s);

const requestArb: fc.Arbitrary<Request> = fc.oneof(
  fc.constantFrom<Request>(
    { type: 'QUERYVERSION' },
    { type: 'LISTSERVICES' },
    { type: 'LISTSERVICES5' },
    { type: 'QUERY_LOAD_MECH' },
    { type: 'LISTENENV' },
    { type: 'DTS_REEXEC' },
  ),
  fc.record({
    type: fc.constantFrom('FINDSERVICE' as const, 'LOADSERVICE' as const),
    name: wellFormed,
  }),
  fc.record({ type: fc.constant('SETENV' as const), envVar: wellFormed }),
  fc.record({
    type: fc.constantFrom(
      'STARTSERVICE' as const,
      'STOPSERVICE' as const,
      'WAKESERVICE' as const,
      'RELEASESERVICE' as const,
      'CATLOG' as const,
    ),
    flags: u8,
    handle: u32,
  }),
  fc.record({
    type: fc.constantFrom(
      'UNPINSERVICE' as const,
      'UNLOADSERVICE' as const,
      'RELOADSERVICE' as const,
      'CLOSEHANDLE' as const,
      'SERVICESTATUS' as const,
      'SERVICESTATUS5' as const,
      'SERVICESTATUS6' as const,
    ),
    handle: u32,
  }),
  fc.record({ type: fc.constant('SHUTDOWN' as const), shutdownType: u8 }),
  fc.record({ type: fc.constant('GETALLENV' as const), reserved: u8 }),
  fc.record({ type: fc.constant('DTS_HELLO' as const), version: u8 }),
  fc.record({
    type: fc.constantFrom(
      'ADD_DEP' as const,
      'REM_DEP' as const,
      'ENABLESERVICE' as const,
      'ENABLE_SERVICE_V7' as const,
    ),
    depType: u8,
    from: u32,
    to: u32,
  }),
  fc.record({
    type: fc.constantFrom('QUERYSERVICENAME' as const, 'QUERYSERVICEDSCDIR' as const),
    reserved: u8,
    handle: u32,
  }),
  fc.record({ type: fc.constant('SETTRIGGER' as const), handle: u32, value: u8 }),
  fc.record({ type: fc.constant('DTS_SNAPSHOT' as const) }),
  fc.record({ type: fc.constant('DTS_FOLLOW' as const), handle: u32 }),
  fc.record({
    type: fc.constant('SIGNAL' as const),
    signal: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    handle: u32,
  }),
);

describe('request codec properties', () => {
  it('decode(encode(r)) == r for every request', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        expect(decodeAll(encodeRequest(req))).toEqual(req);
      }),
    );
  });

  it('every strict prefix of an encoded request is incomplete, never an error', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const b = encodeRequest(req);
        for (let i = 0; i < b.length; i++) {
          const r = decodeRequest(b.subarray(0, i));
          expect(r.status).toBe('incomplete');
          if (r.status === 'incomplete') expect(r.needed).toBeGreaterThan(i);
        }
      }),
    );
  });

  it('random bytes decode, ask for more, or throw ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const r = decodeRequest(Buffer.from(bytes));
          if (r.status === 'ok') expect(r.length).toBeLessThanOrEqual(bytes.length);
          else expect(r.needed).toBeGreaterThan(bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
