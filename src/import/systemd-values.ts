// systemd's value syntaxes that the converter reads: time spans, booleans, resource limits,
// signal names, I/O scheduling classes, and the word lists of Environment=.

/** Seconds per unit of a systemd time span (systemd.time(7)). */
const TIME_UNITS: ReadonlyArray<[RegExp, number]> = [
  [/^(us|usec|µs)$/, 1e-6],
  [/^(ms|msec)$/, 1e-3],
  [/^(|s|sec|second|seconds)$/, 1],
  [/^(m|min|minute|minutes)$/, 60],
  [/^(h|hr|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|week|weeks)$/, 604800],
];

/**
 * A time span in seconds ("90", "5s", "1min 30s", "100ms"); Infinity for "infinity";
 * undefined when it cannot be read.
 */
export function timeSpanSeconds(value: string): number | undefined {
  const v = value.trim();
  if (v === 'infinity') return Infinity;
  const re = /(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*/gy;
  let total = 0;
  let used = 0;
  for (let m = re.exec(v); m !== null && m[0] !== ''; m = re.exec(v)) {
    const unit = TIME_UNITS.find(([r]) => r.test(m[2]));
    if (unit === undefined) return undefined;
    total += parseFloat(m[1]) * unit[1];
    used = re.lastIndex;
  }
  return used === v.length && v !== '' ? total : undefined;
}

/** Seconds as Dinit writes a duration: a decimal number without useless digits. */
export function dinitSeconds(s: number): string {
  return String(Math.round(s * 1000) / 1000);
}

/** systemd's boolean words; undefined when the value is none of them. */
export function sdBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(v)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(v)) return false;
  return undefined;
}

const SIZE_SUFFIX: Readonly<Record<string, number>> = { K: 10, M: 20, G: 30, T: 40, P: 50, E: 60 };

/** One limit value for Dinit: a number, or '-' for unlimited; undefined when unreadable. */
function limitValue(v: string, sizes: boolean): string | undefined {
  if (v === 'infinity') return '-';
  const m = /^(\d+)([KMGTPE]?)$/.exec(v);
  if (m === null || (m[2] !== '' && !sizes)) return undefined;
  const n = BigInt(m[1]) << BigInt(m[2] === '' ? 0 : SIZE_SUFFIX[m[2]]);
  return n.toString();
}

/**
 * A Limit*= value ("16384", "1024:4096", "infinity", "64M" for sizes) as Dinit's rlimit
 * "soft:hard"; undefined when it cannot be read.
 */
export function rlimitValue(value: string, sizes: boolean): string | undefined {
  const [soft, hard, more] = value.trim().split(':');
  if (more !== undefined) return undefined;
  const s = limitValue(soft, sizes);
  if (hard === undefined) return s;
  const h = limitValue(hard, sizes);
  return s === undefined || h === undefined ? undefined : `${s}:${h}`;
}

/** The signals Dinit's term-signal accepts (it takes them without SIG). */
const TERM_SIGNALS = ['HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'USR2', 'TERM', 'CONT', 'STOP'];

/** KillSignal= ("SIGQUIT", "QUIT", "3") as a Dinit term-signal name, or undefined. */
export function termSignalName(value: string): string | undefined {
  const byNumber: Readonly<Record<string, string>> = {
    '1': 'HUP',
    '2': 'INT',
    '3': 'QUIT',
    '9': 'KILL',
    '15': 'TERM',
  };
  const name = byNumber[value] ?? value.toUpperCase().replace(/^SIG/, '');
  return TERM_SIGNALS.includes(name) ? name : undefined;
}

/** IOSchedulingClass= as Dinit's class word, or undefined. */
export function ioClassName(
  value: string,
): 'none' | 'realtime' | 'best-effort' | 'idle' | undefined {
  const classes = ['none', 'realtime', 'best-effort', 'idle'] as const;
  const n = /^[0-3]$/.test(value) ? classes[Number(value)] : undefined;
  return n ?? classes.find((c) => c === value);
}

/**
 * The words of a value split the way systemd splits Environment= and the like: at blanks,
 * with "..." and '...' grouping and backslash escapes. Undefined for an unterminated quote.
 */
export function sdWords(value: string): string[] | undefined {
  const words: string[] = [];
  let cur: string | undefined;
  let quote = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote === '' && /\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if ((c === '"' || c === "'") && (quote === '' || quote === c)) {
      quote = quote === '' ? c : '';
      cur ??= '';
    } else if (c === '\\' && i + 1 < value.length) {
      cur = (cur ?? '') + value[++i];
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (quote !== '') return undefined;
  if (cur !== undefined) words.push(cur);
  return words;
}
