// systemd's command lines (ExecStart= and friends, systemd.service(5) "COMMAND LINES") read
// into words and written back in Dinit's command syntax: quotes and C escapes resolved,
// $VAR / ${VAR} turned into Dinit's substitutions, specifiers expanded by the caller.

import { dinitWord, literalDollars } from './dinit-text';

/** What a specifier (%i, %n, ...) stands for: Dinit text, or undefined when it has none. */
export type SpecifierFn = (letter: string) => string | undefined;

/** A systemd command line read into Dinit words. */
export interface ExecLine {
  /** The special prefixes given ('-', '@', ':', '+', '!', '!!'). */
  prefixes: string[];
  /** The words, each already quoted for Dinit. */
  words: string[];
  /** Problems worth a warning (unknown specifiers, several commands on one line...). */
  problems: string[];
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  ' ': ' ',
  ';': ';',
};

/** Reads one line; `specifier` expands %x, `expandVars` is false for the ':' prefix. */
class ExecReader {
  i = 0;
  readonly problems: string[] = [];
  constructor(
    private readonly s: string,
    private readonly specifier: SpecifierFn,
    private readonly expandVars: boolean,
  ) {}

  /** The next word in Dinit text, with `bare` true when it was an unquoted `;`. */
  word(): { text: string; bare: string } | undefined {
    const s = this.s;
    while (this.i < s.length && /\s/.test(s[this.i])) this.i++;
    if (this.i >= s.length) return undefined;
    const start = this.i;
    let out = '';
    let quote = '';
    let onlyVar: string | undefined;
    for (; this.i < s.length; this.i++) {
      const c = s[this.i];
      if (quote === '' && /\s/.test(c)) break;
      if ((c === '"' || c === "'") && (quote === '' || quote === c)) {
        quote = quote === '' ? c : '';
      } else if (c === '\\' && this.i + 1 < s.length) {
        out += literalDollars(this.escape());
      } else if (c === '%' && this.i + 1 < s.length) {
        out += this.spec();
      } else if (c === '$' && this.expandVars) {
        const v = this.variable();
        if (v.whole && out === '' && this.i === start + v.length - 1) onlyVar = v.name;
        out += v.text;
      } else {
        out += literalDollars(c);
      }
    }
    if (quote !== '') this.problems.push('unterminated quote');
    const raw = s.slice(start, this.i);
    // An unbraced $NAME alone as a word is split at blanks by systemd: Dinit's $/NAME.
    if (onlyVar !== undefined && raw === `$${onlyVar}`) return { text: `$/${onlyVar}`, bare: raw };
    return { text: dinitWord(out), bare: raw };
  }

  private escape(): string {
    const n = this.s[++this.i];
    if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(this.s.slice(this.i + 1, this.i + 3))) {
      this.i += 2;
      return String.fromCharCode(parseInt(this.s.slice(this.i - 1, this.i + 1), 16));
    }
    const e = C_ESCAPES[n];
    if (e === undefined) this.problems.push(`unknown escape \\${n}, kept as ${n}`);
    return e ?? n;
  }

  private spec(): string {
    const letter = this.s[++this.i];
    if (letter === '%') return '%';
    const t = this.specifier(letter);
    if (t === undefined) {
      this.problems.push(`specifier %${letter} has no Dinit counterpart; kept as written`);
      return `%${letter}`;
    }
    return t;
  }

  /** $$, ${NAME} or $NAME at this.i; leaves this.i on the last character used. */
  private variable(): { text: string; name: string; whole: boolean; length: number } {
    const rest = this.s.slice(this.i + 1);
    if (rest.startsWith('$')) {
      this.i++;
      return { text: '$$', name: '', whole: false, length: 2 };
    }
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest);
    if (braced) {
      this.i += braced[0].length;
      return {
        text: `\${${braced[1]}}`,
        name: braced[1],
        whole: false,
        length: 1 + braced[0].length,
      };
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (bare) {
      this.i += bare[0].length;
      return { text: `\${${bare[0]}}`, name: bare[0], whole: true, length: 1 + bare[0].length };
    }
    return { text: '$$', name: '', whole: false, length: 1 };
  }
}

/**
 * Read a systemd command line (the value of ExecStart= etc.) into Dinit words. Never throws;
 * what cannot be carried over exactly is listed in `problems`.
 */
export function readExecLine(value: string, specifier: SpecifierFn): ExecLine {
  const m = /^(?:!!|[-@:+!])*/.exec(value) as RegExpExecArray;
  const prefixes = m[0].match(/!!|[-@:+!]/g) ?? [];
  const reader = new ExecReader(
    value.slice(m[0].length),
    specifier,
    !prefixes.some((p) => p === ':'),
  );
  const words: string[] = [];
  for (let w = reader.word(); w !== undefined; w = reader.word()) {
    if (w.bare === ';') {
      reader.problems.push('several commands on one line; only the first is carried over');
      break;
    }
    words.push(w.text);
  }
  return { prefixes, words, problems: reader.problems };
}
