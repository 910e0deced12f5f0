// The program's own command line and environment as byte strings (src/bytes.ts): Node decodes
// both as UTF-8 and replaces the bytes that are not; /proc/self/cmdline keeps them, where there is one.

import * as fs from 'node:fs';
import { argsFromCmdline, envFromEnviron } from '../bytes';

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
  return argsFromCmdline(procSelf('cmdline'), process.argv);
}

/** The process environment as byte strings (a copy). */
export function ownEnv(): Record<string, string> {
  return envFromEnviron(procSelf('environ'), process.env);
}
