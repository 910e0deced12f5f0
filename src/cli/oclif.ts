// The oclif face of dinitctl (the "explicit" command discovery target named in package.json):
// one oclif Command class per subcommand of the command table, so that oclif's help and
// manifest show the same arguments and flags the parser reads. A subcommand written as an oclif
// command (table entry `oclif: true`) is its own class from commands/<id>.ts.

import type * as Oclif from '@oclif/core';
import { loadCommand, runDinitctl } from './main';
import { COMMANDS as TABLE, GLOBAL_FLAGS, flagsOf, type CommandSpec, type FlagSpec } from './table';

// The package's subpath exports keep the load small (the root module costs ~300 ms here); our
// moduleResolution does not see subpath exports, so types come from the root, values from require.
/* eslint-disable @typescript-eslint/no-require-imports */
const { Command } = require('@oclif/core/command') as { Command: typeof Oclif.Command };
const Flags = require('@oclif/core/flags') as typeof Oclif.Flags;
const Args = require('@oclif/core/args') as typeof Oclif.Args;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The oclif flags for table flags. */
export function oclifFlags(specs: readonly FlagSpec[]): Oclif.Interfaces.FlagInput {
  const flags: Oclif.Interfaces.FlagInput = {};
  for (const f of specs) {
    const base = { description: f.description, ...(f.char ? { char: f.char as 'a' } : {}) };
    flags[f.name] =
      f.value === undefined
        ? Flags.boolean(base)
        : f.multiple
          ? Flags.string({ ...base, helpValue: `<${f.value}>`, multiple: true })
          : Flags.string({ ...base, helpValue: `<${f.value}>` });
  }
  return flags;
}

/** The global options every subcommand accepts, as `dinitctl help <command>` lists them. */
export const GLOBAL_OCLIF_FLAGS = oclifFlags(
  ['system', 'user', 'socket-path', 'quiet', 'use-passed-cfd'].map(
    (name) => GLOBAL_FLAGS.find((f) => f.name === name) as FlagSpec,
  ),
);

/**
 * Base of the dinitctl oclif commands: the global flags; a table command runs through
 * dinitctl's own parser and error handler, exactly as from bin/dinitctl.
 */
export class DinitctlCommand extends Command {
  static override baseFlags = GLOBAL_OCLIF_FLAGS;
  static override strict = true;

  async run(): Promise<void> {
    const id = (this.constructor as typeof Command).id ?? '';
    process.exitCode = await runDinitctl([id, ...this.argv], {
      out: (t) => process.stdout.write(t),
      outRaw: (d) => process.stdout.write(d),
      err: (t) => process.stderr.write(t),
      env: process.env,
      isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    });
  }
}

/** The oclif class of one table command. */
export function commandClass(spec: CommandSpec): typeof Command {
  if (spec.oclif) return loadCommand(spec.id) as typeof Command;
  const args: Oclif.Interfaces.ArgInput = {};
  for (const a of spec.args) {
    args[a.name] = Args.string({ description: a.description, required: true });
  }
  return class extends DinitctlCommand {
    static override id = spec.id;
    static override summary = spec.summary;
    static override usage = [spec.usage];
    static override flags = oclifFlags(flagsOf(spec));
    static override args = args;
  };
}

/** Every subcommand as an oclif class, keyed by id (package.json oclif.commands target). */
export const COMMANDS: Record<string, typeof Command> = Object.fromEntries(
  TABLE.map((spec) => [spec.id, commandClass(spec)]),
);
