// Byte strings at the boundaries: what Node decoded as UTF-8 back to bytes, bytes to text only
// when lossless, output that mixes bytes with our own text, JSON that stays valid UTF-8, and
// a program's arguments read from its raw command line.

import {
  argsFromCmdline,
  envFromEnviron,
  envFromText,
  fromText,
  jsonOutput,
  outputBytes,
  toBytes,
  toText,
} from '../../src/bytes';

const bytes = (...xs: number[]): string => Buffer.from(xs).toString('latin1');

describe('byte strings', () => {
  test('text that Node decoded becomes its UTF-8 bytes, one char each', () => {
    expect(fromText('café')).toBe(bytes(0x63, 0x61, 0x66, 0xc3, 0xa9));
    expect(fromText('plain')).toBe('plain');
    expect(envFromText({ HOME: '/home/josé', GONE: undefined })).toEqual({
      HOME: '/home/jos' + bytes(0xc3, 0xa9),
    });
  });

  test('the raw environment gives the bytes of the variables Node still holds unchanged', () => {
    const raw = Buffer.concat([
      Buffer.from('A=x'),
      Buffer.from([0xff, 0]),
      Buffer.from('GONE=1\0CHANGED=old\0'),
    ]);
    const env = { A: 'x\ufffd', CHANGED: 'new', ADDED: 'café' };
    expect(envFromEnviron(raw, env)).toEqual({
      A: bytes(0x78, 0xff),
      CHANGED: 'new',
      ADDED: fromText('café'),
    });
    expect(envFromEnviron(undefined, env)).toEqual(envFromText(env));
  });

  test('bytes become text only when they are valid UTF-8', () => {
    expect(toText(fromText('café'))).toBe('café');
    expect(toText(bytes(0xff, 0xfe, 0x80))).toBeUndefined();
    expect(toText(bytes(0xc3))).toBeUndefined(); // a sequence cut short
    expect(toBytes(bytes(0xff, 0x00, 0x41))).toEqual(Buffer.from([0xff, 0x00, 0x41]));
  });

  test('output writes byte strings as they are and our own text beyond latin1 as UTF-8', () => {
    expect(outputBytes(`name ${bytes(0xff)}\n`)).toEqual(Buffer.from('name \xff\n', 'latin1'));
    expect(outputBytes(`└─ ${fromText('café')}`)).toEqual(Buffer.from('└─ café', 'utf8'));
  });

  test('JSON keeps UTF-8 as text and shows each other byte as the escape \\udcXX', () => {
    const json = jsonOutput(JSON.stringify({ a: fromText('café'), b: bytes(0x6e, 0xff, 0x78) }));
    const out = outputBytes(json);
    const text = out.toString('utf8');
    expect(Buffer.from(text, 'utf8')).toEqual(out);
    expect(JSON.parse(text)).toEqual({ a: 'café', b: 'n\udcffx' });
    expect(jsonOutput('{"a":"plain"}')).toBe('{"a":"plain"}');
  });

  test("a program's arguments are the tail of its raw command line", () => {
    const raw = Buffer.concat([
      Buffer.from('node\0--stack-size=100\0/x/dinitctl\0start\0n'),
      Buffer.from([0xff]),
      Buffer.from('x\0\0'),
    ]);
    const argv = ['/usr/bin/node', '/x/dinitctl', 'start', 'n\ufffdx', ''];
    expect(argsFromCmdline(raw, argv)).toEqual(['start', bytes(0x6e, 0xff, 0x78), '']);
  });

  test('without a command line, or one that does not match, the decoded arguments are used', () => {
    const argv = ['node', 'script', 'café'];
    expect(argsFromCmdline(undefined, argv)).toEqual([fromText('café')]);
    expect(argsFromCmdline(Buffer.from('node\0script\0other\0'), argv)).toEqual([fromText('café')]);
  });
});
