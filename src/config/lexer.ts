// The lexical layer of the description language: setting names, setting values with quoting,
// backslash escapes and comments, and joining of backslash-continued lines.

import { isSpace } from './env-file';
import { DescriptionError, type FilePos } from '../errors';

export { isSpace };

/** Setting operators: `=` and `:` both assign; `+=` appends (only for some settings). */
export type SettingOp = '=' | ':' | '+=';

/** [start, end) offsets of one word (argument) within a setting value. */
export type Part = [number, number];

/** A setting value as read: the text with whitespace collapsed, and where each word lies in it. */
export interface SettingValue {
  value: string;
  parts: Part[];
}

const ASCII_PUNCT = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isCntrl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** A character allowed inside a name: not a control, punctuation or space character (ASCII). */
function isNameChar(c: string): boolean {
  return !isCntrl(c) && !ASCII_PUNCT.has(c) && !isSpace(c);
}

/**
 * Read a setting or variable name at `pos`. Setting names may contain '-' and '.', but not start
 * with them or with a digit. Variable names (`env`) may not contain '-' or '.', and a run of
 * digits is a (numeric) name. Returns the name ('' if none) and the position after it.
 */
export function readConfigName(
  s: string,
  pos: number,
  end: number = s.length,
  env = false,
): { name: string; next: number; numeric: boolean } {
  let i = pos;
  if (env && i < end && isDigit(s[i])) {
    while (i < end && isDigit(s[i])) i++;
    return { name: s.slice(pos, i), next: i, numeric: true };
  }
  if (i >= end || s[i] === '-' || s[i] === '.' || isDigit(s[i])) {
    return { name: '', next: pos, numeric: false };
  }
  while (i < end && (((s[i] === '-' || s[i] === '.') && !env) || s[i] === '_' || isNameChar(s[i])))
    i++;
  return { name: s.slice(pos, i), next: i, numeric: false };
}

/** Skip whitespace, counting newlines into `lineRef.line`. */
export function skipWsLn(s: string, i: number, end: number, lineRef: { line: number }): number {
  while (i < end && isSpace(s[i])) {
    if (s[i] === '\n') lineRef.line++;
    i++;
  }
  return i;
}

/** Skip whitespace and `#` comments (a comment runs to the next newline). */
function skipComment(s: string, i: number, end: number, lineRef: { line: number }): number {
  let comment = false;
  while (i < end) {
    const c = s[i];
    if (c === '#') comment = true;
    else if (c === '\n') {
      lineRef.line++;
      comment = false;
    }
    if (!comment && !isSpace(c)) break;
    i++;
  }
  return i;
}

/**
 * Read a setting value from `line` starting at `start` up to `end`. Whitespace between words
 * collapses to one space; double quotes keep whitespace and `#`; a backslash takes the next
 * character literally; `#` after whitespace starts a comment; `#` right after a word is an error.
 * With op `+=` the value is appended to `prev` (joined by `delimiter`); otherwise it replaces it.
 * Throws DescriptionError ("unterminated quoted string", hashmark message) at `pos`.
 */
export function readSettingValue(
  line: string,
  start: number,
  end: number,
  pos: FilePos,
  op: SettingOp = '=',
  prev?: SettingValue,
  delimiter = ' ',
): SettingValue {
  const lineRef = { line: pos.line };
  const where = (): FilePos => ({ file: pos.file, line: lineRef.line });
  let i = skipWsLn(line, start, end, lineRef);
  let value = '';
  let parts: Part[] = [];
  if (op === '+=' && prev !== undefined) {
    value = prev.value;
    parts = prev.parts.map((p) => [p[0], p[1]] as Part);
    if (value !== '') value += delimiter;
  }

  let newPart = true;
  let partStart = 0;
  const beginPart = (): void => {
    if (newPart) {
      partStart = value.length;
      newPart = false;
    }
  };

  while (i < end) {
    const c = line[i];
    if (c === '"') {
      beginPart();
      i++;
      while (i < end && line[i] !== '"') {
        if (line[i] === '\\') {
          i++;
          if (i >= end) break;
        }
        value += line[i];
        i++;
      }
      if (i >= end) throw new DescriptionError('unterminated quoted string', where());
    } else if (c === '\\') {
      beginPart();
      i++;
      if (i < end) value += line[i];
    } else if (isSpace(c)) {
      if (!newPart) {
        parts.push([partStart, value.length]);
        newPart = true;
      }
      i = skipComment(line, i, end, lineRef);
      if (i >= end) break;
      value += ' ';
      continue;
    } else if (c === '#') {
      throw new DescriptionError(
        "hashmark (`#') comment must be separated from setting value by whitespace",
        where(),
      );
    } else {
      beginPart();
      value += c;
    }
    i++;
  }
  if (!newPart) parts.push([partStart, value.length]);
  return { value, parts };
}

/** The words of a value, as delimited by its parts. */
export function partsToWords(v: SettingValue): string[] {
  return v.parts.map(([s, e]) => v.value.slice(s, e));
}

/**
 * Quote a word so that readSettingValue reads it back as exactly one part with the same text
 * (used by tests and by tools that write descriptions).
 */
export function quoteWord(word: string): string {
  return '"' + word.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}
