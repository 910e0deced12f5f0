// The command surface of dinitctl (subcommands, their arguments and flags, global options) as
// plain data from the command table: checked in as a snapshot so that any change to it is a
// visible diff.

import { COMMANDS, GLOBAL_FLAGS, flagsOf, type FlagSpec } from './table';

/** A flag as the snapshot writes it: "-c/--name <value>". */
function spelling(f: FlagSpec): string {
  return (f.char ? `-${f.char}/` : '') + `--${f.name}` + (f.value ? ` <${f.value}>` : '');
}

/** The whole surface, in a stable order. */
export function commandSurface(): {
  global: string[];
  commands: Array<{ id: string; usage: string; args: string[]; flags: string[] }>;
} {
  return {
    global: GLOBAL_FLAGS.map(spelling),
    commands: COMMANDS.map((spec) => ({
      id: spec.id,
      usage: spec.usage,
      args: spec.args.map((a) => `<${a.name}>`),
      flags: flagsOf(spec).map(spelling),
    })),
  };
}
