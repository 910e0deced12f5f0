// The state of one systemd unit's conversion: what its keys said, gathered before the Dinit
// description is written, the warnings so far, and the unit's specifiers (%i, %n, ...).

import { literalDollars, plainValue } from './dinit-text';
import { readExecLine, type SpecifierFn } from './systemd-exec';
import type { UnitEntry } from './unit-file';
import type { ImportWarning } from './types';

/** A Dinit dependency setting and the service it names. */
export type DepSetting = 'depends-on' | 'waits-for' | 'after' | 'before';

/** What the unit says, gathered key by key before the description is written. */
export class UnitConversion {
  readonly warnings: ImportWarning[] = [];
  readonly notes: string[] = [];
  /** Comment lines for the header (Description=, Documentation=). */
  readonly about: string[] = [];
  /** Settings written once, in the order first given (a later value replaces). */
  readonly settings = new Map<string, string>();
  readonly deps: Array<[DepSetting, string]> = [];
  readonly options: string[] = [];
  /** Repeatable exec keys, in order (an empty assignment resets the list). */
  readonly exec = new Map<string, UnitEntry[]>();
  readonly env: Array<[string, string]> = [];
  readonly envFiles: UnitEntry[] = [];
  /** Single-valued keys the writer needs together (Type=, PIDFile=, User=, IO class...). */
  readonly single = new Map<string, UnitEntry>();
  /** Comments for directives that need no setting in Dinit (carried over as they are). */
  readonly carried: string[] = [];

  constructor(
    readonly file: string,
    /** The unit's name (nginx.service, getty@.service). */
    readonly unit: string,
    /** The Dinit service name (the unit name without .service and without the @). */
    readonly base: string,
    /** A template unit (name@.service): %i becomes the service argument $1. */
    readonly template: boolean,
  ) {}

  warn(e: UnitEntry, message: string): void {
    this.warnings.push({ file: this.file, line: e.line, key: e.key, message });
  }

  /** Dinit text for a specifier (%i, %n, ...), or undefined when there is none. */
  readonly specifier: SpecifierFn = (letter) => {
    const inst = this.template ? '$1' : '';
    const full = this.template ? `${this.base}@$1` : this.base;
    const dirs: Readonly<Record<string, string>> = {
      t: '/run',
      S: '/var/lib',
      C: '/var/cache',
      L: '/var/log',
      E: '/etc',
      T: '/tmp',
      V: '/var/tmp',
    };
    const dash = this.base.lastIndexOf('-');
    const known: Readonly<Record<string, string>> = {
      i: inst,
      I: inst,
      n: `${full}.service`,
      N: full,
      p: this.base,
      P: this.base,
      j: dash === -1 ? this.base : this.base.slice(dash + 1),
      J: dash === -1 ? this.base : this.base.slice(dash + 1),
      ...dirs,
    };
    return known[letter];
  };

  /**
   * A value with its specifiers expanded, for a setting Dinit substitutes variables in ('$'
   * kept literal) when `dollars` is true. Warns, and returns undefined, when Dinit could not
   * read it back as written.
   */
  value(e: UnitEntry, raw: string, dollars: boolean): string | undefined {
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i];
      if (c === '%' && i + 1 < raw.length) {
        const letter = raw[++i];
        const t = letter === '%' ? '%' : this.specifier(letter);
        if (t === undefined) this.warn(e, `specifier %${letter} has no Dinit counterpart; kept`);
        out += t ?? `%${letter}`;
      } else {
        out += dollars ? literalDollars(c) : c;
      }
    }
    const v = plainValue(out);
    if (v === undefined) this.warn(e, 'Dinit cannot hold this value on one line; not carried over');
    return v;
  }
}

/** The words of one exec entry for Dinit, with its prefixes; warns about what is lost. */
export function execWords(
  c: UnitConversion,
  e: UnitEntry,
): { words: string[]; prefixes: string[] } {
  const line = readExecLine(e.value, c.specifier);
  for (const p of line.problems) c.warn(e, p);
  let words = line.words;
  if (line.prefixes.includes('@')) {
    c.warn(e, "'@' (a different argv[0]) has no Dinit counterpart; the second word is dropped");
    words = [words[0], ...words.slice(2)];
  }
  const privileged = line.prefixes.filter((p) => p === '+' || p === '!' || p === '!!');
  if (privileged.length > 0 && e.key === 'ExecStart') {
    c.warn(e, `'${privileged[0]}' (run with full privileges) is not carried over`);
  }
  return { words, prefixes: line.prefixes };
}
