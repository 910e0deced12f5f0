// The oclif face of dinitctl: one oclif Command class per subcommand spec (the "explicit"
// command discovery target named in package.json), and per-command help rendered by oclif.
// Loaded only for help and by oclif tooling, never on the path of an ordinary command.

import type * as Oclif from '@oclif/core';
import * as path from 'node:path';
import { COMMAND_IDS } from './argv';
import type { CommandSpec } from './command';
import { loadCommand, runDinitctl } from './main';

// The package's subpath exports keep the load small (the root module costs ~300 ms here); our
// moduleResolution does not see subpath exports, so types come from the root, values from require.
/* eslint-disable @typescript-eslint/no-require-imports */
const { Command } = require('@oclif/core/command') as { Command: typeof Oclif.Command };
const Flags = require('@oclif/core/flags') as typeof Oclif.Flags;
const Args = require('@oclif/core/args') as typeof Oclif.Args;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The global options every subcommand accepts (as in `dinitctl --help`). */
export const GLOBAL_FLAGS = {
  system: Flags.boolean({
    char: 's',
    description: 'control the system daemon (default when run as root)',
  }),
  user: Flags.boolean({ char: 'u', description: 'control the user daemon' }),
  'socket-path': Flags.string({
    char: 'p',
    description: 'control socket of the daemon',
    helpValue: '<path>',
  }),
  quiet: Flags.boolean({ description: 'print nothing but errors' }),
  'use-passed-cfd': Flags.boolean({
    description: 'talk to the daemon over the descriptor in DINIT_CS_FD',
  }),
};

/** Base of all dinitctl oclif commands: runs through dinitctl's own parser and error handler. */
export class DinitctlCommand extends Command {
  static override baseFlags = GLOBAL_FLAGS;
  static override strict = true;

  async run(): Promise<void> {
    const id = (this.constructor as typeof Command).id ?? '';
    const code = await runDinitctl([id, ...this.argv], {
      out: (t) => process.stdout.write(t),
      outRaw: (d) => process.stdout.write(d),
      err: (t) => process.stderr.write(t),
      env: process.env,
      isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    });
    process.exitCode = code;
  }
}

/** Build the oclif class for one spec. */
export function commandClass(spec: CommandSpec): typeof DinitctlCommand {
  const flags: Oclif.Interfaces.FlagInput = {};
  for (const f of spec.flags) {
    const base = { description: f.description, ...(f.char ? { char: f.char as 'a' } : {}) };
    flags[f.name] =
      f.value !== undefined
        ? f.name === 'services-dir'
          ? Flags.string({ ...base, helpValue: `<${f.value}>`, multiple: true })
          : Flags.string({ ...base, helpValue: `<${f.value}>` })
        : Flags.boolean(base);
  }
  const args: Record<string, ReturnType<typeof Args.string>> = {};
  for (const a of spec.args)
    args[a.name] = Args.string({ description: a.description, required: a.required });
  const C = class extends DinitctlCommand {
    static override id = spec.id;
    static override summary = spec.summary;
    static override usage = [`${spec.id} ${spec.usage.slice(spec.id.length + 1)}`.trim()];
    static override flags = flags;
    static override args = args;
  };
  return C;
}

/** Every subcommand as an oclif class, keyed by id (package.json oclif.commands target). */
export const COMMANDS: Record<string, typeof DinitctlCommand> = Object.fromEntries(
  COMMAND_IDS.map((id) => [id, commandClass(loadCommand(id))]),
);

/** The help text of one subcommand, rendered by oclif's help formatter. */
export async function renderCommandHelp(id: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Config } = require('@oclif/core/config') as { Config: typeof Oclif.Config };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Help } = require('@oclif/core/help') as { Help: typeof Oclif.Help };
  // Compiled: dist/src/cli; under ts-jest: src/cli.
  const root = path.resolve(
    __dirname,
    path.basename(path.resolve(__dirname, '../..')) === 'dist' ? '../../..' : '../..',
  );
  const config = await Config.load({ root });
  const cmd = config.findCommand(id);
  if (cmd === undefined) return '';
  class TextHelp extends Help {
    text(c: Oclif.Command.Loadable): string {
      return this.formatCommand(c);
    }
  }
  // oclif prints the summary above the formatted body (as showCommandHelp does).
  return `${cmd.summary ?? ''}\n\n${new TextHelp(config, { stripAnsi: true }).text(cmd)}\n`;
}
