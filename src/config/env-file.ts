// Environment files (env-file setting, dinit -e): NAME=VALUE lines and !clear/!unset/!import
// commands, plus the environment model they act on (which parent variables are kept).

import { ConfigFileRefused, readConfigFile } from './read-file';
import { EnvFileError } from '../errors';

/** True for the characters C's isspace() accepts in the classic locale. */
export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * An environment built on top of a parent: variables set here override the parent; with
 * `keepParent` false (after `!clear`) only `importFromParent` names come from the parent.
 */
export class EnvironmentRules {
  keepParent = true;
  readonly importFromParent = new Set<string>();
  readonly undefine = new Set<string>();
  readonly setVars = new Map<string, string>();

  set(name: string, value: string): void {
    this.importFromParent.delete(name);
    this.undefine.delete(name);
    this.setVars.set(name, value);
  }

  unset(name: string): void {
    this.importFromParent.delete(name);
    this.setVars.delete(name);
    if (this.keepParent) this.undefine.add(name);
  }

  importParent(name: string): void {
    this.undefine.delete(name);
    this.setVars.delete(name);
    if (!this.keepParent) this.importFromParent.add(name);
  }

  clear(): void {
    this.keepParent = false;
    this.importFromParent.clear();
    this.undefine.clear();
    this.setVars.clear();
  }

  /**
   * The resulting variables over `parent`, to read only: `parent` itself when the rules keep
   * it whole and set nothing (most services), else a new map.
   */
  over(parent: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    if (this.keepParent && this.undefine.size === 0 && this.setVars.size === 0) return parent;
    return this.build(parent);
  }

  /** The resulting variables over `parent` (a plain name -> value map). */
  build(parent: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.keepParent) {
      for (const [k, v] of Object.entries(parent)) {
        if (!this.undefine.has(k)) out[k] = v;
      }
    } else {
      for (const k of this.importFromParent) {
        if (Object.prototype.hasOwnProperty.call(parent, k)) out[k] = parent[k];
      }
    }
    for (const [k, v] of this.setVars) out[k] = v;
    return out;
  }
}

export interface EnvFileCallbacks {
  /** A line that is neither a comment, a command, nor NAME=VALUE (1-based line number). */
  onInvalidSetting?(line: number): void;
  /** A `!command` other than clear, unset, import. */
  onBadCommand?(line: number): void;
}

/**
 * Apply the lines of an environment file to `rules`, reporting bad lines through the callbacks
 * (upstream ignores such lines after reporting them). Never throws.
 */
export function applyEnvFileText(
  text: string,
  rules: EnvironmentRules,
  cb: EnvFileCallbacks = {},
): void {
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, idx) => {
    const lineNum = idx + 1;
    let p = 0;
    while (p < line.length && isSpace(line[p])) p++;
    if (p === line.length || line[p] === '#') return;
    if (line[p] === '=') {
      cb.onInvalidSetting?.(lineNum);
      return;
    }
    if (line[p] === '!') {
      const start = p + 1;
      let e = start + 1;
      while (e < line.length && !isSpace(line[e])) e++;
      const cmd = line.slice(start, Math.min(e, line.length));
      const args = line
        .slice(Math.min(e, line.length))
        .split(/[ \t\n\v\f\r]+/)
        .filter((a) => a !== '');
      if (cmd === 'clear') rules.clear();
      else if (cmd === 'unset') args.forEach((a) => rules.unset(a));
      else if (cmd === 'import') args.forEach((a) => rules.importParent(a));
      else cb.onBadCommand?.(lineNum);
      return;
    }
    const nameStart = p++;
    while (p < line.length && line[p] !== '=' && !isSpace(line[p])) p++;
    const name = line.slice(nameStart, p);
    while (p < line.length && isSpace(line[p])) p++;
    if (p === line.length || line[p] !== '=') {
      cb.onInvalidSetting?.(lineNum);
      return;
    }
    rules.set(name, line.slice(p + 1));
  });
}

function readText(path: string): string {
  try {
    return readConfigFile(path);
  } catch (e) {
    throw readError(path, e);
  }
}

/** An EnvFileError for a file that could not be read (errno unset when it was refused). */
function readError(path: string, e: unknown): EnvFileError {
  if (e instanceof ConfigFileRefused) return new EnvFileError(`${path}: ${e.message}`, path);
  const err = e as NodeJS.ErrnoException;
  return new EnvFileError(`${path}: ${err.message}`, path, undefined, err.code);
}

/**
 * Read an environment file strictly: returns the variables it sets (NAME -> VALUE, later lines
 * win; `!unset` removes, `!clear` forgets earlier ones). Throws EnvFileError (code EENVFILE) when
 * the file cannot be read or a line is invalid, naming `file:line`.
 */
export function readEnvFile(path: string): Record<string, string> {
  const rules = new EnvironmentRules();
  applyEnvFileText(readText(path), rules, {
    onInvalidSetting(line) {
      throw new EnvFileError(
        `${path}:${line}: invalid environment variable setting in environment file ${path} (line ${line})`,
        path,
        line,
      );
    },
    onBadCommand(line) {
      throw new EnvFileError(
        `${path}:${line}: bad command in environment file ${path} (line ${line})`,
        path,
        line,
      );
    },
  });
  return Object.fromEntries(rules.setVars);
}

/**
 * Read an environment file into an EnvironmentRules, reporting (not throwing on) bad lines, as
 * dinit does for its global `-e` file and for service env-files. Throws EnvFileError (EENVFILE)
 * only when the file cannot be read.
 */
export function readEnvFileRules(
  path: string,
  rules: EnvironmentRules = new EnvironmentRules(),
  cb: EnvFileCallbacks = {},
): EnvironmentRules {
  applyEnvFileText(readText(path), rules, cb);
  return rules;
}

/**
 * Read dinit's global environment file (`dinit -e`, default /etc/dinit/environment for the
 * system instance) and return the resulting environment over `parent` (usually process.env).
 * A missing file yields `parent` unchanged (upstream does not fail on it). Bad lines are passed
 * to `warn` with upstream's wording and skipped. Throws EnvFileError only for read errors other
 * than a missing file.
 */
export function readGlobalEnvFile(
  path: string,
  parent: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void = () => {},
): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined) base[k] = v;
  let text: string;
  try {
    text = readConfigFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return base;
    throw readError(path, e);
  }
  const rules = new EnvironmentRules();
  applyEnvFileText(text, rules, {
    onInvalidSetting: (line) =>
      warn(`Invalid environment variable setting in environment file (line ${line})`),
    onBadCommand: (line) => warn(`Unknown command in environment file (line ${line})`),
  });
  return rules.build(base);
}
