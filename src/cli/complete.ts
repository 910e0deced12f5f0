// Shell completion answered by dinitctl itself, from the command table: the scripts in
// completions/ run `dinitctl --complete <word>... <current word>` and show what it prints, one
// candidate a line as `word<TAB>description`; a lone `:files` or `:dirs` asks the shell for
// file or directory names instead. Service names come from the daemon the line names (-u, -s,
// -p) and from the service directories (the daemon's, else the defaults, plus -d on the line).

import * as fs from 'node:fs';
import { emptyCommandLine, flagSpelled } from './argv';
import type { CtlPort } from './port';
import { SIGNAL_NAMES } from './signals';
import {
  COMMANDS,
  GLOBAL_FLAGS,
  commandSpec,
  flagsOf,
  type ArgSpec,
  type CommandLine,
  type CommandSpec,
  type FlagSpec,
} from './table';
import { defaultServiceDirs, joinServicePath } from '../config/service-dirs';
import { toBytes } from '../bytes';

/** What completion writes to and reads from (a part of main.ts's CliIO). */
export interface CompleteIO {
  out(text: string): void;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
}

/** Connect to the daemon the line names. */
export type Connect = (cl: CommandLine) => Promise<CtlPort>;

/** A candidate and its description ('' for none). */
type Candidate = [word: string, description: string];

/** What the current word may be. */
type Want = Candidate[] | 'services' | 'files' | 'dirs';

/** The line before the current word, as far as completion needs it. */
interface Line {
  cl: CommandLine;
  /** The subcommand, once given; `help` for `dinitctl help <command>`. */
  spec: CommandSpec | 'help' | undefined;
  /** A word that is no subcommand stood where one should: nothing to offer. */
  unknown: boolean;
  /** Positional words given to the subcommand. */
  taken: number;
  /** The flag whose value the current word is. */
  pending: FlagSpec | undefined;
}

/** How long the daemon may take to answer before completion goes on without it. */
const DAEMON_WAIT_MS = 1000;

/** Read the words before the current one. Unknown options are skipped. */
function readLine(words: readonly string[], isRoot: boolean): Line {
  const line: Line = {
    cl: emptyCommandLine(isRoot),
    spec: undefined,
    unknown: false,
    taken: 0,
    pending: undefined,
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith('-')) {
      const f = commandFlagSpelled(line.spec, w) ?? flagSpelled(w);
      if (f?.value !== undefined && i + 1 === words.length) line.pending = f;
      else f?.set(line.cl, f.value === undefined ? '' : words[++i]);
    } else if (line.spec !== undefined) {
      line.taken++;
    } else {
      line.spec = w === 'help' ? 'help' : commandSpec(w);
      line.unknown = line.spec === undefined;
    }
  }
  return line;
}

/** The subcommand's own flag spelled `word` (import -o is --output-dir, not --offline). */
function commandFlagSpelled(spec: Line['spec'], word: string): FlagSpec | undefined {
  if (spec === undefined || spec === 'help') return undefined;
  return flagsOf(spec).find(
    (f) => word === `--${f.name}` || (f.char !== undefined && word === `-${f.char}`),
  );
}

/** The subcommands, with `help`. */
function commandCandidates(): Candidate[] {
  return [
    ...COMMANDS.map((c): Candidate => [c.id, c.summary]),
    ['help', 'show the help of a command'],
  ];
}

/** What a flag's value may be, from the name of its value. */
function valueWant(f: FlagSpec): Want {
  if (f.value === 'path') return 'files';
  if (f.value === 'dir') return 'dirs';
  if (f.value === 'service') return 'services';
  if (f.value?.includes('|')) return f.value.split('|').map((v): Candidate => [v, '']);
  return [];
}

/** What positional argument `arg` may be. */
function argWant(arg: ArgSpec | undefined): Want {
  if (arg === undefined) return [];
  if (arg.choices) return arg.choices.map((c): Candidate => [c, '']);
  if (arg.into === 'signal') return SIGNAL_NAMES.map((s): Candidate => [s, '']);
  if (/file/.test(arg.name)) return 'files';
  return /service/.test(arg.name) ? 'services' : [];
}

/** The flags that may come at this point: the subcommand's, then the global ones. */
function flagCandidates(spec: CommandSpec | undefined): Candidate[] {
  const flags = [...(spec ? flagsOf(spec) : []), ...GLOBAL_FLAGS];
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const f of flags) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    out.push([`--${f.name}`, f.description]);
    if (f.char !== undefined) out.push([`-${f.char}`, f.description]);
  }
  return out;
}

/** What the current word `cur` may be after `line`. */
function want(line: Line, cur: string): Want {
  if (line.pending) return valueWant(line.pending);
  if (line.unknown) return [];
  const spec = line.spec === 'help' ? undefined : line.spec;
  if (cur.startsWith('-')) return flagCandidates(spec);
  if (line.spec === undefined) return commandCandidates();
  if (line.spec === 'help') return line.taken === 0 ? commandCandidates() : [];
  const args = line.spec.args;
  const last = args[args.length - 1];
  return argWant(line.taken < args.length ? args[line.taken] : last?.variadic ? last : undefined);
}

/** Resolves with `p`'s value, or with undefined once `ms` passed or if `p` fails. */
function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
    p.then(resolve, () => resolve(undefined)).finally(() => clearTimeout(timer));
  });
}

/** The loaded services and the service directories of the daemon the line names. */
async function askDaemon(cl: CommandLine, connect: Connect) {
  const port = await connect(cl);
  try {
    const loaded = (await port.listServices()).map((s) => s.name);
    return { loaded, dirs: await port.serviceDirs() };
  } finally {
    port.close();
  }
}

/** The service descriptions in `dir`: files (or links to files) not starting with a dot. */
export function servicesIn(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(toBytes(dir), { withFileTypes: true, encoding: 'latin1' });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || isLinkToFile(dir, e)))
    .map((e) => e.name);
}

function isLinkToFile(dir: string, e: fs.Dirent): boolean {
  if (!e.isSymbolicLink()) return false;
  try {
    return fs.statSync(toBytes(joinServicePath(dir, e.name))).isFile();
  } catch {
    return false;
  }
}

/** Every service name the line could mean: loaded ones and those in the service directories. */
async function serviceNames(line: Line, env: NodeJS.ProcessEnv, connect: Connect) {
  const daemon = line.cl.offline
    ? undefined
    : await settleWithin(askDaemon(line.cl, connect), DAEMON_WAIT_MS);
  const dirs = [...line.cl.servicesDirs];
  if (daemon) dirs.push(...daemon.dirs);
  else if (dirs.length === 0)
    dirs.push(...defaultServiceDirs(line.cl.user ? 'user' : 'system', env));
  return new Set([...(daemon?.loaded ?? []), ...dirs.flatMap(servicesIn)]);
}

/**
 * The service names starting with `cur`. A `name@argument` being typed for a service `name` is
 * offered as typed (the argument is the user's to choose).
 */
function matchServices(names: Set<string>, cur: string): Candidate[] {
  const found = [...names].filter((n) => n.startsWith(cur)).sort();
  const at = cur.indexOf('@');
  if (at > 0 && at < cur.length - 1 && !names.has(cur)) {
    const base = cur.slice(0, at);
    if (names.has(base) || [...names].some((n) => n.startsWith(`${base}@`))) found.unshift(cur);
  }
  return found.map((n): Candidate => [n, '']);
}

/**
 * `dinitctl --complete <word>... <current word>`: print the candidates for the current word.
 * Resolves with exit status 0, also when there is nothing to offer.
 */
export async function complete(
  words: readonly string[],
  io: CompleteIO,
  connect: Connect,
): Promise<number> {
  const cur = words.length > 0 ? words[words.length - 1] : '';
  const line = readLine(words.slice(0, -1), io.isRoot);
  const w = want(line, cur);
  if (w === 'files' || w === 'dirs') {
    io.out(`:${w}\n`);
    return 0;
  }
  const out =
    w === 'services'
      ? matchServices(await serviceNames(line, io.env, connect), cur)
      : w.filter(([c]) => c.startsWith(cur));
  io.out(out.map(([c, d]) => (d === '' ? `${c}\n` : `${c}\t${d}\n`)).join(''));
  return 0;
}
