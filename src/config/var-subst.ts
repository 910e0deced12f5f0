// Variable substitution in setting values: $NAME, ${NAME}, ${NAME:-w}, ${NAME-w}, ${NAME:+w},
// ${NAME+w}, $$ and the word-splitting forms $/NAME; $1 is the service argument.

import { isSpace, readConfigName, type SettingValue } from './lexer';
import { DescriptionError } from '../errors';

/** Looks a variable up; undefined when unset. */
export type VarResolver = (name: string) => string | undefined;

/** One `$...` reference as written: `$X`, `${X}`, `${X:-w}` and the like, `$/X`, `$1`. */
interface VarReference {
  name: string;
  /** `$1`: the service argument. */
  numeric: boolean;
  /** `$/X`: the value is split into words. */
  wsplit: boolean;
  /** `${X-w}` / `${X:-w}` use w when X is unset (or empty with ':'); `+` the reverse. */
  altMode: '' | '+' | '-';
  colon: boolean;
  alt: string;
  /** Index just past the reference. */
  end: number;
}

/** Parse the reference starting at the '$' at src[i]. Throws DescriptionError. */
function parseReference(src: string, i: number, setting: string): VarReference {
  const fail = (message: string): never => {
    throw new DescriptionError(message, undefined, setting);
  };
  let j = i + 1;
  const wsplit = src[j] === '/';
  if (wsplit) j++;
  const brace = src[j] === '{';
  if (brace) j++;
  const nm = readConfigName(src, j, src.length, true);
  if (nm.name === '') fail("invalid/missing variable name after '$'");
  if (nm.numeric && nm.name !== '1') fail('only one service argument may be present');
  j = nm.next;
  let altMode: '' | '+' | '-' = '';
  let colon = false;
  let alt = '';
  if (brace) {
    if (src[j] === ':') {
      colon = true;
      j++;
      if (src[j] !== '+' && src[j] !== '-') fail('invalid syntax in variable substitution');
    }
    if (src[j] === '+' || src[j] === '-') {
      altMode = src[j] as '+' | '-';
      const altStart = ++j;
      while (j < src.length && src[j] !== '}') j++;
      alt = src.slice(altStart, j);
    }
    if (src[j] !== '}') fail("unmatched '{' in variable substitution");
    j++;
  }
  return { name: nm.name, numeric: nm.numeric, wsplit, altMode, colon, alt, end: j };
}

/** The text a reference stands for. Throws DescriptionError for `$1` without an argument. */
function expandReference(
  ref: VarReference,
  resolve: VarResolver,
  argval: string | undefined,
  setting: string,
): string {
  const resolved = ref.numeric ? argval : resolve(ref.name);
  if (ref.altMode === '-') {
    if (resolved === undefined || (ref.colon && resolved === '')) return ref.alt;
  } else if (ref.altMode === '+') {
    // The alternative replaces a set value; an unset one stays empty.
    if (resolved !== undefined && (!ref.colon || resolved !== '')) return ref.alt;
  } else if (ref.numeric && argval === undefined) {
    throw new DescriptionError('missing value in argument substitution', undefined, setting);
  }
  return resolved ?? '';
}

/**
 * The words being built from one source word. A plain `$X` stays within the current word and
 * keeps it even when empty (inhibitCollapse); after a `$/X` an empty last word is dropped
 * (doCollapse).
 */
interface WordBuilder {
  words: string[];
  cur: string;
  inhibitCollapse: boolean;
  doCollapse: boolean;
}

/**
 * Append a `$/X` value: each run of whitespace ends the current word, except leading whitespace
 * of a word that is still empty (and may collapse away).
 */
function appendSplit(b: WordBuilder, text: string): void {
  let k = 0;
  for (;;) {
    let w = k;
    while (w < text.length && !isSpace(text[w])) w++;
    if (w >= text.length) break;
    b.cur += text.slice(k, w);
    if (b.cur !== '' || b.inhibitCollapse) {
      b.words.push(b.cur);
      b.cur = '';
    }
    k = w;
    while (k < text.length && isSpace(text[k])) k++;
    b.inhibitCollapse = false;
  }
  b.cur += text.slice(k);
  b.doCollapse = !b.inhibitCollapse;
}

/** Substitute within one source word, appending the resulting word(s) to `words`. */
function substituteWord(
  src: string,
  words: string[],
  setting: string,
  resolve: VarResolver,
  argval: string | undefined,
): void {
  const b: WordBuilder = { words, cur: '', inhibitCollapse: false, doCollapse: false };
  let i = 0;
  while (i < src.length) {
    if (src[i] !== '$') {
      b.cur += src[i++];
    } else if (src[i + 1] === '$') {
      b.cur += '$';
      i += 2;
    } else {
      const ref = parseReference(src, i, setting);
      const text = expandReference(ref, resolve, argval, setting);
      i = ref.end;
      if (ref.wsplit) {
        appendSplit(b, text);
      } else {
        b.inhibitCollapse = true;
        b.doCollapse = false;
        b.cur += text;
      }
    }
  }
  if (!(b.doCollapse && b.cur === '')) words.push(b.cur);
}

/**
 * Substitute variables in each word of `v`, after word splitting: a plain `$X` stays within its
 * word (and keeps an empty word), while `$/X` splits its value on whitespace into further words
 * (dropping a word that ends up empty). `argval` is the service argument (`$1`), undefined when
 * the service has none. Alternatives in `${X:-w}` forms are not themselves expanded.
 * Throws DescriptionError with only `setting` set (no position), as upstream does.
 */
export function substituteVars(
  setting: string,
  v: SettingValue,
  resolve: VarResolver,
  argval: string | undefined,
): SettingValue {
  if (!v.value.includes('$')) return v;
  const words: string[] = [];
  for (const [ps, pe] of v.parts) {
    const src = v.value.slice(ps, pe);
    if (src.includes('$')) substituteWord(src, words, setting, resolve, argval);
    else words.push(src);
  }
  return wordsToValue(words);
}

/** Build a SettingValue whose parts are exactly `words`, joined by single spaces. */
function wordsToValue(words: string[]): SettingValue {
  let value = '';
  const parts: [number, number][] = [];
  words.forEach((w, idx) => {
    if (idx > 0) value += ' ';
    parts.push([value.length, value.length + w.length]);
    value += w;
  });
  return { value, parts };
}

/** Substitute variables treating the whole string as one word (for paths and names). */
export function substituteString(
  setting: string,
  s: string,
  resolve: VarResolver,
  argval: string | undefined,
): string {
  const r = substituteVars(setting, { value: s, parts: [[0, s.length]] }, resolve, argval);
  return r.value;
}
