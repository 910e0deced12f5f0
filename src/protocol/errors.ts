// Typed errors of the control protocol codec: every malformed packet names the packet and field.

/** Thrown by the decoders when bytes cannot be a valid packet. */
export class ProtocolError extends Error {
  readonly code = 'EPROTO';
  constructor(
    /** Packet type name (e.g. 'LOADSERVICE', 'SERVICESTATUS') or 'request'/'reply' when unknown. */
    readonly packet: string,
    /** The offending field (e.g. 'type', 'nameLength', 'state'). */
    readonly field: string,
    readonly detail: string,
  ) {
    super(`control protocol: bad ${packet} packet: ${field}: ${detail}`);
  }
}

/** Result of decoding from a byte stream that may not yet hold the whole packet. */
export type DecodeResult<T> =
  | { status: 'ok'; packet: T; /** bytes consumed */ length: number }
  | {
      status: 'incomplete';
      /** total bytes (from the packet start) needed before decoding can go further */ needed: number;
    };
