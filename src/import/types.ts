// What an import produces: description files (and env files beside them) for a Dinit service
// directory, the directives it could not carry over, and what the user should do next.

/** A directive that was not carried over, or only in part, and why. */
export interface ImportWarning {
  /** The file it came from, as given. */
  file: string;
  /** Its line (1-based), when the source has lines. */
  line?: number;
  /** The directive (systemd key, pm2 field). */
  key: string;
  message: string;
}

/** One file to write into the output directory. */
export interface ImportedFile {
  /** File name in the output directory (a service name, or <service>.env). */
  name: string;
  text: string;
  kind: 'service' | 'env';
}

/** The outcome of converting one source file. */
export interface ImportResult {
  files: ImportedFile[];
  warnings: ImportWarning[];
  /** Advice to print once the files are written (how to enable, how to start instances). */
  notes: string[];
}

/** `file:line: Key: message`, the one way a warning is shown. */
export function formatWarning(w: ImportWarning): string {
  const where = w.line === undefined ? w.file : `${w.file}:${w.line}`;
  return `${where}: ${w.key}: ${w.message}`;
}
