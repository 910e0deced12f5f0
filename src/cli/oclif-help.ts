// Where dinitctl hands over to oclif: the help of one subcommand, rendered by oclif's formatter,
// and the run of a subcommand written as an oclif command. Loaded only for these, never on the
// path of an ordinary command (@oclif/core costs far more than the rest of dinitctl).

import type * as Oclif from '@oclif/core';
import * as path from 'node:path';

/** The oclif configuration of this package (its commands are those of src/cli/oclif.ts). */
async function loadConfig(): Promise<Oclif.Config> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Config } = require('@oclif/core/config') as { Config: typeof Oclif.Config };
  // Compiled: dist/src/cli; under ts-jest: src/cli.
  const root = path.resolve(
    __dirname,
    path.basename(path.resolve(__dirname, '../..')) === 'dist' ? '../../..' : '../..',
  );
  return Config.load({ root });
}

/** The help text of one subcommand, rendered by oclif's help formatter. */
export async function renderCommandHelp(id: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Help } = require('@oclif/core/help') as { Help: typeof Oclif.Help };
  const config = await loadConfig();
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

/**
 * Run subcommand `id`, an oclif command, with the words of the line but the subcommand itself;
 * resolves with the exit code it set (0 when it set none).
 */
export async function runOclifCommand(id: string, argv: readonly string[]): Promise<number> {
  const config = await loadConfig();
  await config.runCommand(id, [...argv]);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
