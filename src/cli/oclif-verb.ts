// The subcommands of our own (is-enabled, top, logs) as oclif commands: oclif parses their line
// from the command table's flags and arguments; the command then runs in the same context as
// every other dinitctl command (connection, output, "dinitctl: ..." errors and exit codes).

import type * as Oclif from '@oclif/core';
import { emptyCommandLine } from './argv';
import type { CommandContext } from './command';
import { makeContext, processIO, reportError } from './main';
import { GLOBAL_OCLIF_FLAGS, oclifArgs, oclifFlags } from './oclif-flags';
import { GLOBAL_FLAGS, commandSpec, flagsOf, type CommandLine, type CommandSpec } from './table';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const { Command } = require('@oclif/core/command') as { Command: typeof Oclif.Command };

/** What oclif parsed: flags by name, arguments by name, and every positional word. */
interface Parsed {
  flags: Record<string, unknown>;
  args: Record<string, unknown>;
  argv: unknown[];
}

/** The dinitctl command line that oclif's parse of `spec`'s line stands for. */
export function commandLineOf(spec: CommandSpec, parsed: Parsed, isRoot: boolean): CommandLine {
  const cl = emptyCommandLine(isRoot);
  cl.command = spec.id;
  for (const f of [...GLOBAL_FLAGS, ...flagsOf(spec)]) {
    const v = parsed.flags[f.name];
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one === 'string') f.set(cl, one);
      else if (one === true) f.set(cl, '');
    }
  }
  spec.args.forEach((a, i) => {
    // A variadic argument takes every word after the arguments before it.
    const words = a.variadic ? parsed.argv.slice(i).map(String) : [String(parsed.args[a.name])];
    if (a.into === 'args') cl.args.push(...words);
    else if (a.into !== 'depType') cl[a.into] = words[0];
  });
  return cl;
}

/** The oclif command class of table command `id`, whose behaviour is `exec`. */
export function verbCommand(
  id: string,
  exec: (ctx: CommandContext) => Promise<number>,
): typeof Oclif.Command {
  const spec = commandSpec(id) as CommandSpec;
  return class extends Command {
    static override id = id;
    static override summary = spec.summary;
    static override usage = [spec.usage];
    static override baseFlags = GLOBAL_OCLIF_FLAGS;
    static override flags = oclifFlags(flagsOf(spec));
    static override args = oclifArgs(spec);
    static override strict = !spec.args.some((a) => a.variadic);

    async run(): Promise<void> {
      const parsed = (await this.parse(this.constructor as typeof Oclif.Command)) as Parsed;
      const io = processIO();
      const cl = commandLineOf(spec, parsed, io.isRoot);
      try {
        process.exitCode = await exec(makeContext(cl, io));
      } catch (e) {
        process.exitCode = reportError(e, cl, io);
      }
    }
  };
}
