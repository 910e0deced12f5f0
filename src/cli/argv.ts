// dinitctl's command line, parsed the way upstream parses it: options may come before or after
// the subcommand, command options are checked against the subcommand seen so far.

import { UsageError } from '../errors';
/** The dinitctl subcommands, in the order the help lists them. */
export const COMMAND_IDS = [
  'status',
  'is-started',
  'is-failed',
  'start',
  'stop',
  'restart',
  'wake',
  'release',
  'unpin',
  'unload',
  'reload',
  'list',
  'shutdown',
  'add-dep',
  'rm-dep',
  'enable',
  'disable',
  'trigger',
  'untrigger',
  'setenv',
  'unsetenv',
  'catlog',
  'signal',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** Dependency type words accepted by add-dep/rm-dep, with their protocol numbers. */
const DEP_TYPES: Record<string, number> = { need: 0, regular: 0, milestone: 3, 'waits-for': 2 };

/** Everything the command line says. */
export interface CommandLine {
  command: CommandId | undefined;
  /** Plain arguments after the command (service names, setenv assignments). */
  args: string[];
  help: boolean;
  version: boolean;
  /** User daemon (true) or system daemon (false). */
  user: boolean;
  /** True when -u/-s was given explicitly. */
  socketPath: string | undefined;
  quiet: boolean;
  noWait: boolean;
  pin: boolean;
  force: boolean;
  ignoreUnstarted: boolean;
  clear: boolean;
  listSignals: boolean;
  usePassedCfd: boolean;
  offline: boolean;
  servicesDirs: string[];
  /** add-dep/rm-dep: the dependency type number; enable/disable/signal: unused. */
  depType: number | undefined;
  /** The "from" service (add-dep/rm-dep first name, enable/disable --from). */
  from: string | undefined;
  /** The "to" service (add-dep/rm-dep second name, enable/disable target). */
  to: string | undefined;
  /** signal: the signal name or number as given. */
  signal: string | undefined;
}

function isCommandId(word: string): word is CommandId {
  return (COMMAND_IDS as readonly string[]).includes(word);
}

/**
 * Parse dinitctl's arguments (without the program name). `isRoot` picks the default daemon
 * (system for root, user otherwise). Returns the command line; throws UsageError
 * (code ECMDLINE) for a line upstream refuses, with upstream's message.
 */
export function parseCommandLine(argv: readonly string[], isRoot: boolean): CommandLine {
  const cl: CommandLine = {
    command: undefined,
    args: [],
    help: argv.length === 0,
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
  };
  let bad = false;
  const invalid = () => new UsageError('Invalid command line.', true);

  scan: for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const cmd = cl.command;
    if (a.startsWith('-')) {
      switch (a) {
        case '--help':
          cl.help = true;
          break scan;
        case '--version':
          cl.version = true;
          return cl;
        case '--no-wait':
          cl.noWait = true;
          break;
        case '--ignore-unstarted':
          cl.ignoreUnstarted = true;
          break;
        case '--quiet':
          cl.quiet = true;
          break;
        case '-s':
        case '--system':
          cl.user = false;
          break;
        case '-u':
        case '--user':
          cl.user = true;
          break;
        case '--pin':
          cl.pin = true;
          break;
        case '-p':
        case '--socket-path': {
          const v = argv[++i];
          if (v === undefined || v === '') {
            throw new UsageError('--socket-path/-p should be followed by socket path', false);
          }
          cl.socketPath = v;
          break;
        }
        case '--use-passed-cfd':
          cl.usePassedCfd = true;
          break;
        case '--from': {
          if (cmd !== 'enable' && cmd !== 'disable') {
            bad = true;
            break scan;
          }
          const v = argv[++i];
          if (v === undefined || v === '') {
            throw new UsageError('--from should be followed by a service name', false);
          }
          cl.from = v;
          break;
        }
        case '-f':
        case '--force':
          if (cmd !== 'stop' && cmd !== 'restart') {
            bad = true;
            break scan;
          }
          cl.force = true;
          break;
        case '--clear':
          if (cmd !== 'catlog') {
            bad = true;
            break scan;
          }
          cl.clear = true;
          break;
        case '-l':
        case '--list':
          if (cmd !== 'signal') {
            bad = true;
            break scan;
          }
          cl.listSignals = true;
          break;
        case '-d':
        case '--services-dir': {
          const v = argv[++i];
          if (v === undefined || v === '') {
            throw new UsageError("'--services-dir' (-d) requires an argument", false);
          }
          cl.servicesDirs.push(v);
          break;
        }
        case '-o':
        case '--offline':
          cl.offline = true;
          break;
        default:
          throw new UsageError(`unrecognized/invalid option: ${a} (use --help for help)`, false);
      }
      continue;
    }
    if (cmd === undefined) {
      if (!isCommandId(a)) {
        throw new UsageError(`unrecognized command: ${a} (use --help for help)`, false);
      }
      cl.command = a;
      continue;
    }
    if (a === '') throw new UsageError('Invalid empty argument', false);
    if (cmd === 'add-dep' || cmd === 'rm-dep') {
      if (cl.depType === undefined) {
        const t = DEP_TYPES[a];
        if (t === undefined || !Object.prototype.hasOwnProperty.call(DEP_TYPES, a)) {
          bad = true;
          break;
        }
        cl.depType = t;
      } else if (cl.from === undefined) {
        cl.from = a;
      } else if (cl.to === undefined) {
        cl.to = a;
      } else {
        bad = true;
        break;
      }
    } else if (cmd === 'enable' || cmd === 'disable') {
      if (cl.to !== undefined) {
        bad = true;
        break;
      }
      cl.to = a;
    } else if (cmd === 'signal') {
      if (cl.listSignals) bad = true;
      else if (cl.signal === undefined) cl.signal = a;
      else if (cl.from === undefined) cl.from = a;
      else bad = true;
    } else {
      cl.args.push(a);
    }
  }

  if (cl.help) return cl;
  if (bad) throw invalid();
  const cmd = cl.command;
  if (cmd === undefined) throw invalid();
  switch (cmd) {
    case 'enable':
    case 'disable':
      if (cl.to === undefined) throw invalid();
      break;
    case 'setenv':
    case 'unsetenv':
      if (cl.args.length === 0) throw invalid();
      break;
    case 'signal':
      if (cl.listSignals) {
        if (cl.signal !== undefined) throw invalid();
      } else {
        if (cl.signal === undefined)
          throw new UsageError('signal number/name must be specified', false);
        if (cl.from === undefined) throw new UsageError('service name must be specified', false);
      }
      break;
    case 'list':
    case 'shutdown':
      if (cl.args.length > 0) throw invalid();
      break;
    case 'add-dep':
    case 'rm-dep':
      if (cl.depType === undefined || cl.from === undefined || cl.to === undefined) throw invalid();
      break;
    default:
      if (cl.args.length !== 1) throw invalid();
  }
  return cl;
}

/** The single service name a command operates on (signal: the target; others: the argument). */
export function serviceArg(cl: CommandLine): string {
  if (cl.command === 'signal') return cl.from ?? '';
  return cl.args[0] ?? '';
}
