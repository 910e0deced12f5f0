// The text of `dinitctl --help`, from the command table: the usage of every subcommand and the
// options, in upstream's words and layout.

import { COMMAND_FLAGS, COMMANDS, GLOBAL_FLAGS, type FlagSpec } from './table';

/** One option entry: the label, then ": text" at column 19 (on the next line if it is long). */
function optionLines(flags: readonly FlagSpec[]): string {
  let s = '';
  for (const f of flags) {
    if (f.help === undefined) continue;
    const [first, ...rest] = f.help.text;
    const label = `  ${f.help.label}`;
    s +=
      label.length < 19
        ? `${label.padEnd(19)}: ${first}\n`
        : `${label}\n${''.padEnd(19)}: ${first}\n`;
    for (const line of rest) s += `${''.padEnd(21)}${line}\n`;
  }
  return s;
}

/** The general help text (printed by `dinitctl --help` and with no arguments). */
export function generalHelp(): string {
  return (
    'dinitctl:   control Dinit services\n\nUsage:\n' +
    COMMANDS.map((c) => `    dinitctl [options] ${c.generalUsage ?? c.usage}\n`).join('') +
    '\n' +
    'Note: An activated service continues running when its dependents stop.\n' +
    '\n' +
    'General options:\n' +
    optionLines(GLOBAL_FLAGS) +
    '\n' +
    'Command options:\n' +
    optionLines(Object.values(COMMAND_FLAGS)) +
    "\nRun 'dinitctl help <command>' for the help of one command.\n"
  );
}
