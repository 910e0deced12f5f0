// dinitctl's entry for the commands scripts run most (the queries status, is-started, is-failed
// and list, and start, stop, restart, wake and release: the words bin/dinitctl names):
// scripts/bundle-cli.js bundles it with these commands only, a third of the code to load on every
// such run. bin/dinitctl tries it when one of these words is on the
// command line and runs the full entry (main.ts) for every line it does not take, help and
// errors included.

import { type CommandLine, parseCommandLine } from './argv';
import { mainParsed, runsAsRoot } from './main';
import { ownArgs } from '../config/own-process';

/**
 * The process's command line when this entry runs it: a valid line for one of `commands`,
 * without --help or --version (whatever else, errors included, is the full entry's to say);
 * otherwise undefined.
 */
export function takes(
  commands: readonly string[],
): { cl: CommandLine; argv: string[] } | undefined {
  const argv = ownArgs();
  if (argv[0] === '--complete') return undefined;
  try {
    const cl = parseCommandLine(argv, runsAsRoot());
    if (cl.help || cl.version || !commands.includes(cl.command as string)) return undefined;
    return { cl, argv };
  } catch {
    return undefined;
  }
}

/** Runs a line takes() accepted and exits with its code. */
export function run(line: { cl: CommandLine; argv: string[] }): void {
  mainParsed(line.cl, line.argv);
}
