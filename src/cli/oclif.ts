// The oclif face of dinitctl (the "explicit" command discovery target named in package.json):
// one oclif Command class per subcommand of the command table, so that oclif's help and
// manifest show the same arguments and flags the parser reads. A subcommand written as an oclif
// command (table entry `oclif: true`) is its own class from commands/<id>.ts.

import type * as Oclif from '@oclif/core';
import { loadCommand, processIO, runDinitctl } from './main';
import { GLOBAL_OCLIF_FLAGS, oclifArgs, oclifFlags } from './oclif-flags';
import { COMMANDS as TABLE, flagsOf, type CommandSpec } from './table';

// The package's subpath exports keep the load small (see oclif-flags.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Command } = require('@oclif/core/command') as { Command: typeof Oclif.Command };

/**
 * Base of the dinitctl oclif commands: the global flags; a table command runs through
 * dinitctl's own parser and error handler, exactly as from bin/dinitctl.
 */
export class DinitctlCommand extends Command {
  static override baseFlags = GLOBAL_OCLIF_FLAGS;
  static override strict = true;

  async run(): Promise<void> {
    const id = (this.constructor as typeof Command).id ?? '';
    process.exitCode = await runDinitctl([id, ...this.argv], processIO());
  }
}

/** The oclif class of one table command. */
export function commandClass(spec: CommandSpec): typeof Command {
  if (spec.oclif) return loadCommand(spec.id) as typeof Command;
  return class extends DinitctlCommand {
    static override id = spec.id;
    static override summary = spec.summary;
    static override usage = [spec.usage];
    static override flags = oclifFlags(flagsOf(spec));
    static override args = oclifArgs(spec);
  };
}

/** Every subcommand as an oclif class, keyed by id (package.json oclif.commands target). */
export const COMMANDS: Record<string, typeof Command> = Object.fromEntries(
  TABLE.map((spec) => [spec.id, commandClass(spec)]),
);
