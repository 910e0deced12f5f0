// The error the description parser raises internally: a message in upstream's words plus where
// (file:line) and/or which setting. load-service.ts turns it into ServiceLoadError.

/** Position of a line in a description file (file named as upstream names it). */
export interface FilePos {
  file: string;
  line: number;
}

/**
 * A problem in a service description. At least one of `pos` and `setting` is set; the service
 * name is filled in by the loader when the thrower did not know it.
 */
export class DescriptionError extends Error {
  readonly code: 'EDESCRIPTION';
  constructor(
    message: string,
    readonly pos?: FilePos,
    readonly setting?: string,
    public serviceName?: string,
  ) {
    super(message);
    this.code = 'EDESCRIPTION';
  }
}

/**
 * A failure loading a service that is not tied to a line: a finalisation check ("'command'
 * setting not specified."), an unreadable include or env-file. Upstream's service_load_exc.
 */
export class LoadProblem extends Error {
  readonly code: 'ELOADSERVICE';
  constructor(
    message: string,
    readonly serviceName: string,
  ) {
    super(message);
    this.code = 'ELOADSERVICE';
  }
}
