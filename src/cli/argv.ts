// dinitctl's command line, parsed the way upstream parses it, from the command table: options
// may come before or after the subcommand; a command option is checked against the subcommand
// seen so far.

import {
  COMMAND_FLAGS,
  COMMANDS,
  GLOBAL_FLAGS,
  type CommandLine,
  type CommandSpec,
  type FlagSpec,
} from './table';
import type { DepTypeName } from '../protocol/codes';
import { UsageError } from '../errors';

export type { CommandLine };

/** The dependency a type word of add-dep/rm-dep stands for. */
const DEP_TYPES: Readonly<Record<string, DepTypeName>> = {
  need: 'regular',
  regular: 'regular',
  milestone: 'milestone',
  'waits-for': 'waits-for',
};

/** Every flag by its spellings (--name and -c). */
const BY_SPELLING = new Map<string, FlagSpec>();
for (const f of [...GLOBAL_FLAGS, ...Object.values<FlagSpec>(COMMAND_FLAGS)]) {
  if (BY_SPELLING.has(`--${f.name}`)) continue;
  BY_SPELLING.set(`--${f.name}`, f);
  // A letter is upstream's where it has one (-f is stop --force; logs -f is parsed by oclif).
  if (f.char !== undefined && !BY_SPELLING.has(`-${f.char}`)) BY_SPELLING.set(`-${f.char}`, f);
}

/** The options that take a value, as spelled on the command line. */
export function valueOptions(): string[] {
  return [...BY_SPELLING].filter(([, f]) => f.value !== undefined).map(([s]) => s);
}

/** The flag spelled `word` (--name or -c), or undefined. */
export function flagSpelled(word: string): FlagSpec | undefined {
  return BY_SPELLING.get(word);
}

/** A command line with nothing given; `isRoot` picks the default daemon. */
export function emptyCommandLine(isRoot: boolean): CommandLine {
  return {
    command: undefined,
    args: [],
    help: false,
    version: false,
    user: !isRoot,
    socketPath: undefined,
    quiet: false,
    noWait: false,
    pin: false,
    force: false,
    ignoreUnstarted: false,
    clear: false,
    listSignals: false,
    usePassedCfd: false,
    offline: false,
    servicesDirs: [],
    depType: undefined,
    from: undefined,
    to: undefined,
    signal: undefined,
    json: false,
    stats: false,
    all: false,
    follow: false,
    lines: undefined,
    sort: undefined,
    reverse: false,
    format: undefined,
    outputDir: undefined,
    dryRun: false,
  };
}

/** Where reading the line stands. */
interface Scan {
  cl: CommandLine;
  spec: CommandSpec | undefined;
  /** Positional words taken by the command so far. */
  taken: number;
  /** The line is invalid ("Invalid command line"), unless --help comes. */
  bad: boolean;
  /** A flag that forbids positional arguments was given (signal --list). */
  noArgs: boolean;
}

/**
 * Apply option `a` (at argv[i]); returns the index of the last word it used, or -1 when reading
 * must stop. Throws UsageError for an unknown option or a missing value.
 */
function takeOption(s: Scan, argv: readonly string[], i: number): number {
  const a = argv[i];
  const f = flagSpelled(a);
  if (f === undefined) {
    throw new UsageError(`unrecognized/invalid option: ${a} (use --help for help)`, false);
  }
  if (f.scope === 'command' && !s.spec?.flags.includes(f.name as keyof typeof COMMAND_FLAGS)) {
    s.bad = true;
    return -1;
  }
  let value = '';
  if (f.value !== undefined) {
    value = argv[++i] ?? '';
    if (value === '') throw new UsageError(f.missingValue ?? `${a} requires an argument`, false);
  }
  f.set(s.cl, value);
  if (f.noArgs) s.noArgs = true;
  if (f.name === 'help') return -1;
  return i;
}

/** Take positional word `a` for the command; returns false when reading must stop. */
function takeArgument(s: Scan, a: string): boolean {
  const spec = s.spec as CommandSpec;
  if (a === '') throw new UsageError('Invalid empty argument', false);
  const last = spec.args[spec.args.length - 1];
  const arg = s.taken < spec.args.length ? spec.args[s.taken] : last?.variadic ? last : undefined;
  s.taken++;
  if (arg === undefined || s.noArgs || (arg.choices && !arg.choices.includes(a))) {
    s.bad = true;
    return !spec.stopAtBadArg;
  }
  if (arg.into === 'args') s.cl.args.push(a);
  else if (arg.into === 'depType') s.cl.depType = DEP_TYPES[a];
  else s.cl[arg.into] = a;
  return true;
}

/** Check that the command got the arguments it needs; throws UsageError. */
function checkArguments(s: Scan): void {
  const spec = s.spec as CommandSpec;
  if (s.noArgs) {
    if (s.taken > 0) s.bad = true;
  } else if (!s.bad) {
    for (let k = s.taken; k < spec.args.length; k++) {
      if (spec.args[k].optional) continue;
      const missing = spec.args[k].missing;
      if (missing !== undefined) throw new UsageError(missing, false);
      s.bad = true;
    }
  }
  if (s.bad) throw new UsageError('Invalid command line.', true);
}

/**
 * Parse dinitctl's arguments (without the program name). `isRoot` picks the default daemon
 * (system for root, user otherwise). Returns the command line; throws UsageError for a line
 * upstream refuses, with upstream's message.
 */
export function parseCommandLine(argv: readonly string[], isRoot: boolean): CommandLine {
  const s: Scan = {
    cl: emptyCommandLine(isRoot),
    spec: undefined,
    taken: 0,
    bad: false,
    noArgs: false,
  };
  s.cl.help = argv.length === 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('-')) {
      i = takeOption(s, argv, i);
      if (s.cl.version) return s.cl;
      if (i < 0) break;
    } else if (s.spec === undefined) {
      s.spec = COMMANDS.find((c) => c.id === a);
      if (s.spec === undefined) {
        throw new UsageError(`unrecognized command: ${a} (use --help for help)`, false);
      }
      s.cl.command = a;
      // A command of our own written for oclif: oclif reads the rest of the line.
      if (s.spec.oclif) {
        s.cl.help ||= argv.slice(i + 1).includes('--help');
        return s.cl;
      }
    } else if (!takeArgument(s, a)) {
      break;
    }
  }
  if (s.cl.help) return s.cl;
  if (s.spec === undefined) throw new UsageError('Invalid command line.', true);
  checkArguments(s);
  return s.cl;
}
