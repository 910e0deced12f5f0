// dinitctl's entry for the queries scripts run most (status, is-started, is-failed, list):
// scripts/bundle-cli.js bundles it with these commands only, a third of the code to load on
// every such run. bin/launch.js tries it when one of these words is on the command line and runs
// the full entry (main.ts) for every line it does not take, help and errors included.

import { parseCommandLine } from './argv';
import { runsAsRoot } from './main';
import { ownArgs } from '../config/own-process';

export { main } from './main';

/** The subcommands this entry runs (bin/dinitctl names the same words). */
export const QUERY_COMMANDS: readonly string[] = ['status', 'is-started', 'is-failed', 'list'];

/**
 * Whether this entry runs the process's command line: a valid line for one of QUERY_COMMANDS,
 * without --help or --version (whatever else, errors included, is the full entry's to say).
 */
export function takes(): boolean {
  const argv = ownArgs();
  if (argv[0] === '--complete') return false;
  try {
    const cl = parseCommandLine(argv, runsAsRoot());
    return !cl.help && !cl.version && QUERY_COMMANDS.includes(cl.command as string);
  } catch {
    return false;
  }
}
