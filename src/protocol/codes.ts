// Numeric codes and fixed sizes of the Dinit control protocol (wire-compatible with Dinit 0.22).
// Pure constants and tiny lookup helpers; no I/O. Shared by the daemon's server and the client.

/**
 * Protocol version we speak, and the oldest client version we still serve. Dinit 0.22 speaks 6;
 * 7 (Dinit after 0.22) adds only ENABLE_SERVICE_V7, which older clients never send.
 */
export const PROTOCOL_VERSION = 7;
export const MIN_COMPAT_VERSION = 1;

/** Request (client -> daemon) packet types. */
export const Cmd = {
  QUERYVERSION: 0,
  FINDSERVICE: 1,
  LOADSERVICE: 2,
  STARTSERVICE: 3,
  STOPSERVICE: 4,
  WAKESERVICE: 5,
  RELEASESERVICE: 6,
  UNPINSERVICE: 7,
  LISTSERVICES: 8,
  UNLOADSERVICE: 9,
  SHUTDOWN: 10,
  ADD_DEP: 11,
  REM_DEP: 12,
  QUERY_LOAD_MECH: 13,
  ENABLESERVICE: 14,
  QUERYSERVICENAME: 15,
  RELOADSERVICE: 16,
  SETENV: 17,
  SERVICESTATUS: 18,
  SETTRIGGER: 19,
  CATLOG: 20,
  SIGNAL: 21,
  QUERYSERVICEDSCDIR: 22,
  CLOSEHANDLE: 23,
  GETALLENV: 24,
  LISTSERVICES5: 25,
  SERVICESTATUS5: 26,
  LISTENENV: 27,
  SERVICESTATUS6: 28,
  /** Protocol 7: ENABLESERVICE answered with SERVICESTATUS (v6 block) instead of ACK. */
  ENABLE_SERVICE_V7: 29,
  /**
   * dinit-ts extension, the one negotiation for every DTS_ request (codes far from upstream's
   * range): the client asks with its extension version and the daemon answers DTS_HELLO with
   * its own. Until a connection has said hello, a dinit-ts daemon treats the other DTS_ requests
   * as unknown (BADREQ, as upstream does); an upstream daemon answers this very request with
   * BADREQ and closes the connection, so a client sends no other DTS_ request to it.
   */
  DTS_HELLO: 208,
  /** dinit-ts extension: re-execute the manager in place (daemon-reexec). ACK, then the exec. */
  DTS_REEXEC: 210,
  /** dinit-ts extension: the whole loaded graph, answered with DTS_SNAPSHOT (JSON). */
  DTS_SNAPSHOT: 209,
  /**
   * dinit-ts extension: follow the output of a log-type = buffer service (by handle). Answered
   * with DTS_FOLLOWING (the buffer as it is), then DTS_OUTPUT info packets as output arrives,
   * until the handle or the connection is closed; NAK when the service keeps no buffer.
   */
  DTS_FOLLOW: 211,
} as const;

/** Reply (daemon -> client, in answer to a request) packet types. */
export const Rply = {
  ACK: 50,
  NAK: 51,
  /** The request was malformed; the daemon closes the connection after sending it. */
  BADREQ: 52,
  /** Out of memory (or of handles): the daemon closes the connection. */
  OOM: 53,
  SERVICELOADERR: 54,
  SERVICEOOM: 55,
  // 56 and 57 were replies to start/stop in older protocol versions; no longer used.
  /** Answer to QUERYVERSION: oldest and newest protocol versions the daemon speaks. */
  CPVERSION: 58,
  /** A service was found or loaded: state, new handle, target state. */
  SERVICERECORD: 59,
  NOSERVICE: 60,
  /** The service is already started (or stopped), as asked. */
  ALREADYSS: 61,
  /** One entry of a service list; LISTDONE ends the list. */
  SVCINFO: 62,
  LISTDONE: 63,
  LOADER_MECH: 64,
  /** Dependents would stop too: their handles, for the client to ask again with force. */
  DEPENDENTS: 65,
  SERVICENAME: 66,
  /** The service is pinned in the other state. */
  PINNEDSTOPPED: 67,
  PINNEDSTARTED: 68,
  /** A shutdown is in progress: nothing may start. */
  SHUTTINGDOWN: 69,
  SERVICESTATUS: 70,
  /** Loading failed on a description error, or on another error. */
  SERVICE_DESC_ERR: 71,
  SERVICE_LOAD_ERR: 72,
  SERVICE_LOG: 73,
  /** Answers to SIGNAL that did not send: no process, bad signal number, kill() failed. */
  SIGNAL_NOPID: 74,
  SIGNAL_BADSIG: 75,
  SIGNAL_KILLERR: 76,
  SVCDSCDIR: 77,
  ALLENV: 78,
  /** Sent before acting on a start/stop with the PREACK flag, ahead of any service event. */
  PREACK: 79,
  /** dinit-ts extension (only after the client's DTS_HELLO): the extension version spoken. */
  DTS_HELLO: 96,
  /** dinit-ts extension: a u32 length and a UTF-8 JSON document (ManagerSnapshot). */
  DTS_SNAPSHOT: 97,
  /** dinit-ts extension: the answer to DTS_FOLLOW: a u32 length and the buffer's content. */
  DTS_FOLLOWING: 98,
} as const;

/** Information (unsolicited, daemon -> client) packet types; every code >= 100 is an info packet. */
export const Info = {
  /** A service changed state, with a v1 status block (sent to every holder of a handle). */
  SERVICEEVENT: 100,
  /** The same event with a v5 status block; the daemon sends it first. */
  SERVICEEVENT5: 101,
  /** A variable of the global environment was set or unset (after LISTENENV). */
  ENVEVENT: 102,
  /**
   * dinit-ts extension (after DTS_FOLLOW): new output of a followed service: handle, the bytes
   * dropped just before this data because the client read too slowly, and the data.
   */
  DTS_OUTPUT: 208,
} as const;

/** First code of the information packet range. */
export const INFO_BASE = 100;

/** The names of the requests, replies and info packets, and the name for a code. */
export type CmdName = keyof typeof Cmd;
export type RplyName = keyof typeof Rply;
export type InfoName = keyof typeof Info;

/** The request name for a code, or undefined when the code is not a request. */
export const cmdName = nameLookup(Cmd);
/** The reply name for a code, or undefined when the code is not a reply. */
export const rplyName = nameLookup(Rply);
/** The info packet name for a code, or undefined when the code is not an info packet. */
export const infoName = nameLookup(Info);

function nameLookup<N extends string>(table: Record<N, number>): (code: number) => N | undefined {
  const byCode = new Map<number, N>(Object.entries<number>(table).map(([k, v]) => [v, k as N]));
  return (code) => byCode.get(code);
}

/** Flag bits of the STARTSERVICE/STOPSERVICE/WAKESERVICE/RELEASESERVICE flags byte. */
export const SsFlag = {
  PIN: 1,
  /** Set = do not force: reply DEPENDENTS instead of stopping hard dependents. */
  GENTLE: 2,
  /** STOPSERVICE only: restart after stopping. */
  RESTART: 4,
  /** Send PREACK before acting. */
  PREACK: 128,
} as const;

/** Flag bits of the CATLOG flags byte. */
export const CATLOG_CLEAR = 1;

/** Load mechanism reported by LOADER_MECH: services loaded from directories. */
export const SSET_TYPE_DIRLOAD = 1;

/** Sizes of the status block on the wire (x86-64 Linux: pid_t and int are 4 bytes, timespec 16). */
export const STATUS_SIZE_V1 = 10;
export const STATUS_SIZE_V5 = 14;
export const STATUS_SIZE_V6 = 30;

/** The version of the dinit-ts protocol extension this build speaks. */
export const DTS_EXTENSION_VERSION = 1;

/** Upstream's receive buffer is 1024 bytes: a name or variable longer than this is refused. */
export const MAX_REQUEST_STRING = 1024 - 3;

/** Dependency type codes (dependency_type) as used by ADD_DEP / REM_DEP / ENABLESERVICE(_V7). */
export const DepCode = {
  regular: 0,
  soft: 1,
  'waits-for': 2,
  milestone: 3,
  before: 4,
  after: 5,
  'prepared-by': 6,
} as const;
export type DepTypeName = keyof typeof DepCode;

/** si_code values carried in v5+ status blocks (Linux). */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;

/** Result of decoding from a byte stream that may not yet hold the whole packet. */
export type DecodeResult<T> =
  | { status: 'ok'; packet: T; /** bytes consumed */ length: number }
  | {
      status: 'incomplete';
      /** total bytes (from the packet start) needed before decoding can go further */ needed: number;
    };
