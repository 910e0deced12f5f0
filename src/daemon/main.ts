// Entry point of the `dinit` executable (bin/dinit): parses the command line, prints help,
// version or usage errors with upstream's text and exit codes, then loads and runs the daemon.
// Only option parsing is loaded eagerly; everything else is required once it is needed.

import * as fs from 'node:fs';
import { parseArgs } from './options';
import { ownArgs } from '../config/own-process';
import { outputBytes } from '../bytes';

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
 * status; never throws. Once the daemon it ran has finished, it ends the process itself where
 * it can (exitNow), and then never resolves.
 */
export async function main(argv: readonly string[]): Promise<number> {
  // Started by the native init: parse as PID 1 would (the init is PID 1 on our behalf).
  const underInit = process.env.DINIT_INIT_FD !== undefined;
  const parsed = parseArgs(argv, {
    pid: underInit ? 1 : process.pid,
    uid: typeof process.getuid === 'function' ? process.getuid() : 1,
    isOpenFd,
  });
  if (parsed.action === 'exit') {
    // Synchronous writes: these are the last thing the process does.
    if (parsed.stdout !== undefined) fs.writeSync(1, outputBytes(parsed.stdout));
    if (parsed.stderr !== undefined) fs.writeSync(2, outputBytes(parsed.stderr));
    return parsed.status;
  }
  if (process.pid === 1 && !underInit) {
    // Never stay PID 1 in Node: become the native init, which runs us again as its child.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { becomeInit } = require('../../adapters/index') as typeof import('../../adapters/index');
    const keep = parsed.options.readyFd === undefined ? [] : [parsed.options.readyFd];
    fs.writeSync(2, `dinit: ${becomeInit(argv, keep)}\n`);
    return 1;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { takeInitLink } = require('./init-link') as typeof import('./init-link');
  const init = takeInitLink(process.env);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runDaemon } = require('./daemon') as typeof import('./daemon');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { realParts } = require('./wiring') as typeof import('./wiring');
  const status = await runDaemon(parsed.options, realParts, init);
  // Its logs are flushed and its socket closed: nothing is left for Node's teardown to do.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../../adapters/index') as typeof import('../../adapters/index')).exitNow(status);
  return status;
}

/** Run dinit with process.argv and exit the process with its status (bin/dinit calls this). */
export function run(): void {
  main(ownArgs()).then(
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
