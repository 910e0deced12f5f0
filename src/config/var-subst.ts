// Variable substitution in setting values: $NAME, ${NAME}, ${NAME:-w}, ${NAME-w}, ${NAME:+w},
// ${NAME+w}, $$ and the word-splitting forms $/NAME; $1 is the service argument.

import { isSpace, readConfigName, type SettingValue } from './lexer';
import { DescriptionError } from '../errors';

/** Looks a variable up; undefined when unset. */
export type VarResolver = (name: string) => string | undefined;

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
    if (!src.includes('$')) {
      words.push(src);
      continue;
    }
    let cur = '';
    let inhibitCollapse = false;
    let doCollapse = false;
    let i = 0;
    while (i < src.length) {
      const c = src[i];
      if (c !== '$') {
        cur += c;
        i++;
        continue;
      }
      if (src[i + 1] === '$') {
        cur += '$';
        i += 2;
        continue;
      }
      let j = i + 1;
      const wsplit = src[j] === '/';
      if (wsplit) j++;
      const brace = src[j] === '{';
      if (brace) j++;
      const nm = readConfigName(src, j, src.length, true);
      if (nm.name === '')
        throw new DescriptionError("invalid/missing variable name after '$'", undefined, setting);
      if (nm.numeric && nm.name !== '1') {
        throw new DescriptionError('only one service argument may be present', undefined, setting);
      }
      j = nm.next;
      let altMode: '' | '+' | '-' = '';
      let colon = false;
      let alt = '';
      if (brace) {
        if (src[j] === ':') {
          colon = true;
          j++;
          if (src[j] !== '+' && src[j] !== '-') {
            throw new DescriptionError(
              'invalid syntax in variable substitution',
              undefined,
              setting,
            );
          }
        }
        if (src[j] === '+' || src[j] === '-') {
          altMode = src[j] as '+' | '-';
          const altStart = ++j;
          while (j < src.length && src[j] !== '}') j++;
          alt = src.slice(altStart, j);
        }
        if (src[j] !== '}')
          throw new DescriptionError("unmatched '{' in variable substitution", undefined, setting);
        j++;
      }
      const resolved = nm.numeric ? argval : resolve(nm.name);
      let text = resolved ?? '';
      if (altMode === '-') {
        if (resolved === undefined || (colon && resolved === '')) text = alt;
      } else if (altMode === '+') {
        // The alternative replaces a set value; an unset one stays empty.
        if (resolved !== undefined && (!colon || resolved !== '')) text = alt;
      } else if (nm.numeric && argval === undefined) {
        throw new DescriptionError('missing value in argument substitution', undefined, setting);
      }
      i = j;

      if (!wsplit) {
        inhibitCollapse = true;
        doCollapse = false;
        cur += text;
        continue;
      }
      // Word splitting: each run of whitespace ends the current word, except leading whitespace
      // of a word that is still empty (and may collapse away).
      let k = 0;
      for (;;) {
        let w = k;
        while (w < text.length && !isSpace(text[w])) w++;
        if (w >= text.length) break;
        cur += text.slice(k, w);
        if (cur !== '' || inhibitCollapse) {
          words.push(cur);
          cur = '';
        }
        k = w;
        while (k < text.length && isSpace(text[k])) k++;
        inhibitCollapse = false;
      }
      cur += text.slice(k);
      doCollapse = !inhibitCollapse;
    }
    if (!(doCollapse && cur === '')) words.push(cur);
  }
  return wordsToValue(words);
}

/** Build a SettingValue whose parts are exactly `words`, joined by single spaces. */
export function wordsToValue(words: string[]): SettingValue {
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
