// The program's own command line and environment as byte strings (src/bytes.ts): Node decodes
// both as UTF-8 and replaces the bytes that are not; /proc/self/cmdline keeps them, where there is one.

import * as fs from 'node:fs';
import { argsFromCmdline, envFromEnviron, fromText } from '../bytes';

/**
 * What Node puts where it met bytes that are not UTF-8. Text without it was decoded from valid
 * UTF-8, so its UTF-8 encoding is the original bytes and /proc need not be read (which saves
 * dinitctl two file reads on every run).
 */
const REPLACEMENT = '\ufffd';

/** A file of /proc/self, or undefined without /proc (FreeBSD without linprocfs, macOS). */
function procSelf(name: string): Buffer | undefined {
  try {
    return fs.readFileSync(`/proc/self/${name}`);
  } catch {
    return undefined;
  }
}

/** The arguments after node and the script, as byte strings. */
export function ownArgs(): string[] {
  const decoded = process.argv.slice(2);
  if (!decoded.some((a) => a.includes(REPLACEMENT))) return decoded.map(fromText);
  return argsFromCmdline(procSelf('cmdline'), process.argv);
}

/** The process environment as byte strings (a copy). */
export function ownEnv(): Record<string, string> {
  const env = process.env;
  const out: Record<string, string> = {};
  // One pass: each read of process.env goes through the C++ side of Node.
  for (const name in env) {
    const value = env[name];
    if (value === undefined) continue;
    if (name.includes(REPLACEMENT) || value.includes(REPLACEMENT)) {
      return envFromEnviron(procSelf('environ'), env);
    }
    out[fromText(name)] = fromText(value);
  }
  return out;
}
