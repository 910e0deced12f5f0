// Entry point of the `dinit` executable (bin/dinit): parses the command line, prints help,
// version or usage errors with upstream's text and exit codes, then loads and runs the daemon.
// Only option parsing is loaded eagerly; everything else is required once it is needed.

import * as fs from 'node:fs';
import { parseArgs } from './options';

/** True when fd names an open file descriptor. */
function isOpenFd(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run dinit with the given arguments (argv without node and the script). Resolves to the exit
 * status; never throws.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, {
    pid: process.pid,
    uid: typeof process.getuid === 'function' ? process.getuid() : 1,
    isOpenFd,
  });
  if (parsed.action === 'exit') {
    // Synchronous writes: these are the last thing the process does.
    if (parsed.stdout !== undefined) fs.writeSync(1, parsed.stdout);
    if (parsed.stderr !== undefined) fs.writeSync(2, parsed.stderr);
    return parsed.status;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runDaemon } = require('./daemon') as typeof import('./daemon');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { realParts } = require('./wiring') as typeof import('./wiring');
  return runDaemon(parsed.options, realParts);
}

/** Run dinit with process.argv and exit the process with its status (bin/dinit calls this). */
export function run(): void {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (err) => {
      try {
        fs.writeSync(2, `dinit: fatal error: ${(err as Error)?.stack ?? String(err)}\n`);
      } finally {
        process.exit(1);
      }
    },
  );
}
