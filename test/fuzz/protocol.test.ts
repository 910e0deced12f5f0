// The control protocol decoders under arbitrary bytes: a packet is decoded whole, asked to be
// completed, or refused with a ProtocolError; never another exception, never a wrong length.

import fc from 'fast-check';
import {
  decodeRequest,
  decodeServerPacket,
  encodeRequest,
  type DecodeResult,
} from '../../src/protocol';
import { ProtocolError } from '../../src/errors';
import { fuzz, regressionCases } from './fuzz-support';

/** Packets start with a command code: bias the first byte towards the known ones. */
const packet = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 255 })),
    fc.uint8Array({ maxLength: 64 }),
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2048 })),
  )
  .map(([code, rest, pad]) =>
    Buffer.concat([Buffer.from([code]), Buffer.from(rest), Buffer.alloc(pad)]),
  );

/** Checks the shape of a decode result against the input it came from. */
function checkResult<T>(buf: Buffer, decode: (b: Buffer) => DecodeResult<T>): T | undefined {
  let r: DecodeResult<T>;
  try {
    r = decode(buf);
  } catch (e) {
    if (e instanceof ProtocolError) return undefined;
    throw e;
  }
  if (r.status === 'incomplete') {
    if (!(r.needed > buf.length))
      throw new Error(`incomplete with needed ${r.needed} <= ${buf.length}`);
    return undefined;
  }
  if (!(r.length >= 1 && r.length <= buf.length)) throw new Error(`bad length ${r.length}`);
  return r.packet;
}

/** A request decodes the same after encoding it again. */
function checkRequest(buf: Buffer): void {
  const req = checkResult(buf, decodeRequest);
  if (req === undefined) return;
  const again = decodeRequest(encodeRequest(req));
  expect(again.status === 'ok' && again.packet).toEqual(req);
}

function checkReply(buf: Buffer): void {
  checkResult(buf, (b) => decodeServerPacket(b));
}

describe('protocol decoders under arbitrary bytes', () => {
  it('keeps every input that ever failed fixed', () => {
    for (const c of regressionCases('protocol-request')) checkRequest(c.bytes);
    for (const c of regressionCases('protocol-reply')) checkReply(c.bytes);
  });

  it('decodes, asks for more, or refuses a request; a decoded one re-encodes the same', () => {
    fuzz('protocol-request', packet, checkRequest);
  });

  it('decodes, asks for more, or refuses a reply or information packet', () => {
    fuzz('protocol-reply', packet, checkReply);
  });
});
