// Byte strings: descriptions, names, arguments, paths and environments are bytes, as in Dinit,
// and travel inside dinit-ts as JS strings of one char per byte (latin1, 0-255), so that length
// is the byte length and nothing is decoded as UTF-8. These helpers convert at the boundaries.

/** The bytes of a byte string (for fs paths, sockets, the spawner and output). */
export function toBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** The byte string of raw bytes. */
export function fromBytes(b: Uint8Array, start?: number, end?: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', start, end);
}

/** A char beyond ASCII. */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * The byte string of text that Node decoded from UTF-8 (process.env, os.homedir(),
 * process.cwd(), a directory entry read as a string): its UTF-8 bytes, one char each.
 */
export function fromText(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/**
 * The text whose UTF-8 encoding is the byte string s, for APIs that only take text
 * (child_process, net paths); undefined when the bytes are not valid UTF-8, so that a caller
 * refuses instead of passing other bytes.
 */
export function toText(s: string): string | undefined {
  if (!NON_ASCII.test(s)) return s;
  const b = Buffer.from(s, 'latin1');
  const t = b.toString('utf8');
  return Buffer.from(t, 'utf8').equals(b) ? t : undefined;
}

/** The byte strings of a Node environment (whose values Node decoded from UTF-8). */
export function envFromText(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[fromText(k)] = fromText(v);
  return out;
}

/**
 * A Node environment as byte strings, with the exact bytes of `environ` (the raw
 * NAME=VALUE\0 list, as /proc/self/environ gives it) for each variable that Node still holds
 * with the value it decoded from it; other variables (set or changed since) as envFromText.
 */
export function envFromEnviron(
  environ: Buffer | undefined,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out = envFromText(env);
  if (environ === undefined) return out;
  for (const entry of environ.toString('latin1').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    const decoded = (x: string): string => Buffer.from(x, 'latin1').toString('utf8');
    if (env[decoded(name)] !== decoded(value)) continue;
    delete out[fromText(decoded(name))];
    out[name] = value;
  }
  return out;
}

/** A char beyond latin1 (our own text: box-drawing characters and the like). */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * The bytes to write for output that mixes byte strings (names, descriptions: chars up to 0xff,
 * written as they are) with text of our own beyond latin1 (box-drawing characters, written as
 * UTF-8). The program's own messages never use the chars 0x80-0xff, so nothing is ambiguous.
 */
export function outputBytes(s: string): Buffer {
  if (!BEYOND_LATIN1.test(s)) return Buffer.from(s, 'latin1');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) <= 0xff) continue;
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) > 0xff) j++;
    parts.push(Buffer.from(s.slice(start, i), 'latin1'), Buffer.from(s.slice(i, j), 'utf8'));
    start = j;
    i = j - 1;
  }
  parts.push(Buffer.from(s.slice(start), 'latin1'));
  return Buffer.concat(parts);
}

/** outputBytes(s) as a byte string: s itself when it has no char beyond latin1 (nearly always). */
export function outputByteString(s: string): string {
  return BEYOND_LATIN1.test(s) ? fromBytes(outputBytes(s)) : s;
}

/** The length of the valid UTF-8 sequence starting at b[i], or 0 when none starts there. */
function utf8SequenceAt(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number): boolean => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1];
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // a surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1];
    if (c === 0xf0 && c1 < 0x90) return 0; // overlong
    if (c === 0xf4 && c1 >= 0x90) return 0; // beyond U+10FFFF
    return 4;
  }
  return 0;
}

/**
 * JSON text made valid UTF-8 without losing a byte, for output (a byte string, as every output
 * is: see outputBytes). `json` is what JSON.stringify gives for values holding byte strings.
 * Valid UTF-8 sequences stay as they are (so "café" is "café"), and each other byte XX becomes
 * the escape \udcXX: the lone low surrogate that PEP 383 ("surrogateescape") uses for an
 * undecodable byte. Valid UTF-8 never decodes to a lone surrogate, so a reader tells them apart.
 */
export function jsonOutput(json: string): string {
  if (!/[\x80-\xff]/.test(json)) return json;
  const b = outputBytes(json);
  let out = '';
  let start = 0;
  for (let i = 0; i < b.length;) {
    const n = utf8SequenceAt(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('latin1', start, i) + `\\udc${b[i].toString(16).padStart(2, '0')}`;
    i++;
    start = i;
  }
  return out + b.toString('latin1', start);
}

/**
 * A program's arguments (after node and the script) as byte strings. Node decodes argv as
 * UTF-8 and replaces bytes that are not; `cmdline` (the raw NUL-separated argv, as
 * /proc/self/cmdline gives it) keeps them. The arguments are its last entries (node's own
 * options come before the script). When cmdline is missing or does not match what Node
 * decoded, the decoded arguments are used.
 */
export function argsFromCmdline(cmdline: Buffer | undefined, argv: readonly string[]): string[] {
  const decoded = argv.slice(2);
  const fallback = (): string[] => decoded.map(fromText);
  if (cmdline === undefined || cmdline.length === 0 || cmdline[cmdline.length - 1] !== 0) {
    return fallback();
  }
  const raw = cmdline.toString('latin1').slice(0, -1).split('\0');
  if (raw.length < decoded.length + 1) return fallback();
  const tail = raw.slice(raw.length - decoded.length);
  for (let i = 0; i < tail.length; i++) {
    if (Buffer.from(tail[i], 'latin1').toString('utf8') !== decoded[i]) return fallback();
  }
  return tail;
}
