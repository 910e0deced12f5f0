// The command table's flags and arguments as oclif declares them, shared by the oclif classes of
// the table commands (oclif.ts) and of our own subcommands (oclif-verb.ts).

import type * as Oclif from '@oclif/core';
import { GLOBAL_FLAGS, type CommandSpec, type FlagSpec } from './table';

// The package's subpath exports keep the load small (the root module costs ~300 ms here); our
// moduleResolution does not see subpath exports, so types come from the root, values from require.
/* eslint-disable @typescript-eslint/no-require-imports */
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
          ? Flags.string({
              ...base,
              helpValue: `<${f.value}>`,
              multiple: true,
              multipleNonGreedy: true,
            })
          : Flags.string({ ...base, helpValue: `<${f.value}>` });
  }
  return flags;
}

/** The oclif arguments of a table command. */
export function oclifArgs(spec: CommandSpec): Oclif.Interfaces.ArgInput {
  const args: Oclif.Interfaces.ArgInput = {};
  for (const a of spec.args) {
    args[a.name] = Args.string({ description: a.description, required: true });
  }
  return args;
}

/** The global options every subcommand accepts, as `dinitctl help <command>` lists them. */
export const GLOBAL_OCLIF_FLAGS = oclifFlags(
  ['system', 'user', 'socket-path', 'quiet', 'use-passed-cfd'].map(
    (name) => GLOBAL_FLAGS.find((f) => f.name === name) as FlagSpec,
  ),
);
