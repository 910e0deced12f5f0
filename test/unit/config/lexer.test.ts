// Setting-value reading: whitespace collapse, quotes, backslash escapes, comments, += appends;
// plus property tests that quoting round-trips and only DescriptionError is ever thrown.

import fc from 'fast-check';
import {
  partsToWords,
  quoteWord,
  readConfigName,
  readSettingValue,
} from '../../../src/config/lexer';
import { DescriptionError } from '../../../src/errors';

const pos = { file: 'sd/svc', line: 7 };
const read = (s: string) => readSettingValue(s, 0, s.length, pos);

describe('readSettingValue', () => {
  it('collapses whitespace between words and records each word', () => {
    const v = read('  /bin/echo    a\tb  ');
    expect(v.value).toBe('/bin/echo a b');
    expect(partsToWords(v)).toEqual(['/bin/echo', 'a', 'b']);
  });

  it('keeps whitespace and # inside double quotes as one word', () => {
    expect(partsToWords(read('echo "a  b # c"'))).toEqual(['echo', 'a  b # c']);
  });

  it('joins quoted and unquoted text without whitespace into one word', () => {
    expect(partsToWords(read('pre"fix x"post'))).toEqual(['prefix xpost']);
  });

  it('keeps an empty quoted string as an empty word', () => {
    expect(partsToWords(read('a "" b'))).toEqual(['a', '', 'b']);
  });

  it('takes the character after a backslash literally', () => {
    expect(partsToWords(read('a\\ b \\"c\\\\'))).toEqual(['a b', '"c\\']);
  });

  it('ends the value at a comment that follows whitespace', () => {
    expect(partsToWords(read('a b # comment "'))).toEqual(['a', 'b']);
  });

  it('refuses a hash mark that directly follows a word', () => {
    expect(() => read('a#b')).toThrow(
      new DescriptionError(
        "hashmark (`#') comment must be separated from setting value by whitespace",
      ),
    );
  });

  it('refuses an unterminated quoted string, naming the line', () => {
    try {
      read('"abc');
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(DescriptionError);
      expect((e as DescriptionError).message).toBe('unterminated quoted string');
      expect((e as DescriptionError).pos).toEqual(pos);
    }
  });

  it('appends with += using a space, keeping earlier words', () => {
    const first = read('/bin/cmd a');
    const s = 'b "c d"';
    const v = readSettingValue(s, 0, s.length, pos, '+=', first);
    expect(partsToWords(v)).toEqual(['/bin/cmd', 'a', 'b', 'c d']);
  });

  it('replaces the earlier value with = or :', () => {
    const first = read('/bin/cmd a');
    const s = 'x';
    expect(partsToWords(readSettingValue(s, 0, s.length, pos, ':', first))).toEqual(['x']);
  });

  it('treats a newline from a continued line as whitespace and counts it for error lines', () => {
    const s = 'a\n   "b';
    try {
      readSettingValue(s, 0, s.length, pos);
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as DescriptionError).pos).toEqual({ file: 'sd/svc', line: 8 });
    }
  });

  it('lets a comment on a continued line end at the newline', () => {
    const s = 'a # note\n   b';
    expect(partsToWords(readSettingValue(s, 0, s.length, pos))).toEqual(['a', 'b']);
  });
});

describe('readConfigName', () => {
  it('reads setting names with dashes and dots', () => {
    expect(readConfigName('waits-for.d = x', 0).name).toBe('waits-for.d');
  });

  it('refuses a name starting with a digit, dash or dot', () => {
    expect(readConfigName('9x', 0).name).toBe('');
    expect(readConfigName('-x', 0).name).toBe('');
    expect(readConfigName('.x', 0).name).toBe('');
  });

  it('reads variable names without dashes, and digit runs as numeric names', () => {
    expect(readConfigName('A_B-c', 0, 5, true).name).toBe('A_B');
    expect(readConfigName('12x', 0, 3, true)).toEqual({ name: '12', next: 2, numeric: true });
  });
});

describe('tokenizer properties', () => {
  it('reads back any list of quoted words exactly', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'grapheme' }).filter((w) => !w.includes('\n')),
          { maxLength: 8 },
        ),
        (words) => {
          const line = words.map(quoteWord).join(' ');
          expect(partsToWords(read(line))).toEqual(words);
        },
      ),
    );
  });

  it('throws nothing but DescriptionError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          read(s);
        } catch (e) {
          expect(e).toBeInstanceOf(DescriptionError);
        }
      }),
    );
  });
});
