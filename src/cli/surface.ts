// The command surface of dinitctl (subcommands, their arguments and flags, global options) as
// plain data: checked in as a snapshot so that any change to it is a visible diff.

import { COMMAND_IDS } from './argv';
import { loadCommand } from './main';

/** Global options, as upstream's dinitctl accepts them anywhere on the line. */
export const GLOBAL_OPTIONS = [
  '--help',
  '--version',
  '-s/--system',
  '-u/--user',
  '--quiet',
  '-p/--socket-path <path>',
  '--use-passed-cfd',
  '-o/--offline',
  '-d/--services-dir <dir>',
];

/** The whole surface, in a stable order. */
export function commandSurface(): {
  global: string[];
  commands: Array<{ id: string; usage: string; args: string[]; flags: string[] }>;
} {
  return {
    global: GLOBAL_OPTIONS,
    commands: COMMAND_IDS.map((id) => {
      const spec = loadCommand(id);
      return {
        id,
        usage: spec.usage,
        args: spec.args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)),
        flags: spec.flags.map(
          (f) =>
            (f.char ? `-${f.char}/` : '') +
            `--${f.name}` +
            (f.value !== undefined ? ` <${f.value}>` : ''),
        ),
      };
    }),
  };
}
