// Every error class of dinit-ts, in one place. Each carries a stable `code` (ERR_DINIT_*, never an
// errno name) and the data a formatter or a test needs (service, file, line, setting, errno, ...).
// A leaf: it imports nothing. Sentences for users are made where the error is reported.

/** The base of every error dinit-ts throws on purpose; `code` says which one it is. */
export abstract class DinitError extends Error {
  abstract readonly code: string;
}

/** Position of a line in a description file (file named as upstream names it). */
export interface FilePos {
  file: string;
  line: number;
}

/**
 * A problem in a service description. At least one of `pos` and `setting` is set; the service
 * name is filled in by the loader when the thrower did not know it.
 */
export class DescriptionError extends DinitError {
  readonly code = 'ERR_DINIT_DESCRIPTION';
  constructor(
    message: string,
    readonly pos?: FilePos,
    readonly setting?: string,
    public serviceName?: string,
  ) {
    super(message);
  }
}

/**
 * A failure loading a service that is not tied to a line: a finalisation check ("'command'
 * setting not specified."), an unreadable include or env-file. Upstream's service_load_exc.
 */
export class LoadProblem extends DinitError {
  readonly code = 'ERR_DINIT_LOAD_PROBLEM';
  constructor(
    message: string,
    readonly serviceName: string,
  ) {
    super(message);
  }
}

/** An environment file that cannot be read or parsed (line set for a bad line, errno for I/O). */
export class EnvFileError extends DinitError {
  readonly code = 'ERR_DINIT_ENV_FILE';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** Why a service could not be loaded. The daemon maps it to NOSERVICE / SERVICE_DESC_ERR / SERVICE_LOAD_ERR. */
export type LoadFailure =
  | { kind: 'not-found'; name: string }
  | {
      kind: 'description';
      name: string;
      message: string;
      file?: string;
      line?: number;
      setting?: string;
    }
  | { kind: 'load'; name: string; message: string }
  | { kind: 'cycle'; name: string; message: string };

/** A service (or one it depends on) could not be loaded; `failure` says why. */
export class ServiceLoadError extends DinitError {
  readonly code = 'ERR_DINIT_SERVICE_LOAD';
  constructor(readonly failure: LoadFailure) {
    super(failure.kind === 'not-found' ? `service not found: ${failure.name}` : failure.message);
  }
}

/** A reference to a service record that has been unloaded since it was handed out. */
export class StaleRefError extends DinitError {
  readonly code = 'ERR_DINIT_STALE_REF';
  constructor(readonly service: string) {
    super(`service reference is no longer valid: ${service}`);
  }
}

/**
 * A launch that cannot be done, found before any process exists (a missing helper, a bad cgroup,
 * an unopenable log file). `stage` is the exec stage number (ExecStage in src/model.ts).
 */
export class LaunchError extends DinitError {
  readonly code = 'ERR_DINIT_LAUNCH';
  constructor(
    message: string,
    readonly stage: number,
    readonly errno?: number,
  ) {
    super(message);
  }
}

/** A system call made through the FFI layer failed. */
export class SysError extends DinitError {
  readonly code = 'ERR_DINIT_SYSCALL';
  constructor(
    readonly syscall: string,
    readonly errno: number,
    message: string,
  ) {
    super(`${syscall}: ${message}`);
  }
}

/** A `capabilities` or `securebits` word the Linux adapter does not know. */
export class CapsError extends DinitError {
  readonly code = 'ERR_DINIT_CAPS';
  constructor(
    message: string,
    readonly word: string,
  ) {
    super(message);
  }
}

/** Thrown by the protocol decoders when bytes cannot be a valid packet. */
export class ProtocolError extends DinitError {
  readonly code = 'ERR_DINIT_PROTOCOL';
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

/** The daemon could not open its control socket at `path`. */
export class ControlSocketError extends DinitError {
  readonly code = 'ERR_DINIT_CONTROL_SOCKET';
  constructor(
    readonly path: string,
    readonly errnoCode: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** A runtime environment change (setenv/unsetenv) the daemon refuses. */
export class EnvError extends DinitError {
  readonly code = 'ERR_DINIT_ENV_VAR';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** What went wrong talking to a daemon, as ControlError.kind. */
export type ControlErrorKind =
  /** Could not connect to the socket (errnoCode/errno say why, path says where). */
  | 'connect'
  /** The connection closed (or failed) before the reply arrived. */
  | 'closed'
  /** The daemon sent something that is not valid protocol, or an unexpected reply. */
  | 'protocol'
  /** The daemon refused the request as malformed (BADREQ) and will close the connection. */
  | 'bad-request'
  /** The daemon ran out of memory (OOM) and closed the connection. */
  | 'oom'
  /** The daemon's protocol is too new for us (its minimum version exceeds ours). */
  | 'old-client'
  /** The daemon's protocol is older than we accept. */
  | 'old-server'
  /** An argument cannot be sent (e.g. a service name longer than the protocol allows). */
  | 'invalid-argument';

/** Every failure of the control client; `kind` says which, the other fields give the data. */
export class ControlError extends DinitError {
  readonly code = 'ERR_DINIT_CONTROL';
  constructor(
    readonly kind: ControlErrorKind,
    message: string,
    readonly data: {
      path?: string;
      errnoCode?: string;
      errno?: number;
      request?: string;
      reply?: string;
    } = {},
  ) {
    super(message);
  }
}

/** A command line a program refuses; `message` follows "<program>: ". */
export class UsageError extends DinitError {
  readonly code = 'ERR_DINIT_USAGE';
  constructor(
    message: string,
    /** True for dinitctl's generic "Invalid command line" (followed by the --help hint). */
    readonly generic = false,
  ) {
    super(message);
  }
}

/** An error that ends a dinitctl command: `message` is printed after "dinitctl: ". */
export class CliError extends DinitError {
  readonly code = 'ERR_DINIT_CLI';
  constructor(
    /** A short word for what failed ('EREAD', 'EBADSIG', ...), for callers that retry. */
    readonly reason: string,
    message: string,
    readonly exitCode = 1,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
