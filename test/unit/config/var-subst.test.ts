// Variable substitution: plain and braced forms, defaults and alternatives, $$, the service
// argument, word splitting with $/NAME, and upstream's error messages.

import fc from 'fast-check';
import { partsToWords, readSettingValue } from '../../../src/config/lexer';
import { substituteString, substituteVars } from '../../../src/config/var-subst';
import { DescriptionError } from '../../../src/errors';

const vars: Record<string, string> = { A: 'alpha', EMPTY: '', SP: ' x  y ', ONE: 'one' };
const resolve = (n: string): string | undefined => (n in vars ? vars[n] : undefined);

function subst(line: string, argval?: string): string[] {
  const v = readSettingValue(line, 0, line.length, { file: 'f', line: 1 });
  return partsToWords(substituteVars('command', v, resolve, argval));
}

function failure(line: string, argval?: string): DescriptionError {
  try {
    subst(line, argval);
  } catch (e) {
    return e as DescriptionError;
  }
  throw new Error('expected a throw');
}

describe('substituteVars', () => {
  it('replaces $NAME and ${NAME} within a word', () => {
    expect(subst('x$A ${A}y')).toEqual(['xalpha', 'alphay']);
  });

  it('keeps an empty word for an unset or empty plain variable', () => {
    expect(subst('a $UNSET $EMPTY b')).toEqual(['a', '', '', 'b']);
  });

  it('turns $$ into a single dollar', () => {
    expect(subst('cost $$5')).toEqual(['cost', '$5']);
  });

  it('applies :- and - defaults', () => {
    expect(subst('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${A:-d}')).toEqual(['d', 'd', '', 'alpha']);
  });

  it('applies :+ and + alternatives', () => {
    expect(subst('${A:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}')).toEqual([
      'alt',
      '',
      'alt',
      '',
    ]);
  });

  it('does not expand variables inside a default', () => {
    expect(subst('${UNSET:-$A}')).toEqual(['$A']);
  });

  it('splits $/NAME on whitespace into separate words, dropping empty ones', () => {
    expect(subst('a $/SP b')).toEqual(['a', 'x', 'y', 'b']);
    expect(subst('a $/EMPTY b')).toEqual(['a', 'b']);
  });

  it('does not split a plain $NAME', () => {
    expect(subst('a $SP b')).toEqual(['a', ' x  y ', 'b']);
  });

  it('substitutes the service argument for $1 and ${1}', () => {
    expect(subst('$1 ${1}', 'arg')).toEqual(['arg', 'arg']);
  });

  it('treats $1 as unset when there is no argument, so ${1:-x} works', () => {
    expect(subst('${1:-none}')).toEqual(['none']);
    expect(failure('$1').message).toBe('missing value in argument substitution');
  });

  it('refuses arguments other than $1', () => {
    expect(failure('$2').message).toBe('only one service argument may be present');
  });

  it("reports malformed references in upstream's words with the setting name", () => {
    expect(failure('$').message).toBe("invalid/missing variable name after '$'");
    expect(failure('${A').message).toBe("unmatched '{' in variable substitution");
    expect(failure('${A:x}').message).toBe('invalid syntax in variable substitution');
    expect(failure('$').setting).toBe('command');
    expect(failure('$').pos).toBeUndefined();
  });

  it('never throws anything but DescriptionError', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (s, arg) => {
        try {
          substituteString('x', s, resolve, arg);
        } catch (e) {
          expect(e).toBeInstanceOf(DescriptionError);
        }
      }),
    );
  });

  it('leaves text without a dollar sign unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('$')),
        (s) => {
          expect(substituteString('x', s, resolve, undefined)).toBe(s);
        },
      ),
    );
  });
});
