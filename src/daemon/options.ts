// The dinit daemon's command line: parses argv the way dinit 0.22 does (same options, same error
// lines and exit codes) and resolves the defaults that depend on the mode (socket path, env file).
// Pure apart from the fd check for --ready-fd, which the caller passes in.

import { SYSTEM_SOCKET_PATH, instanceSocketPath } from '../config/socket-path';

/** Log levels in increasing severity; 'none' suppresses everything. */
export type LogLevel = 'debug' | 'notice' | 'warn' | 'error' | 'none';

export const LOG_LEVEL_RANK: Record<LogLevel, number> = {
  debug: 0,
  notice: 1,
  warn: 2,
  error: 3,
  none: 4,
};

/** Everything the daemon takes from its command line. */
export interface DaemonOptions {
  /** Run as the system service manager (-s, or the default for uid 0). */
  systemInit: boolean;
  /** Act as system manager (PID 1 duties: halt, reboot); -m, or the default for pid 1. */
  systemMgr: boolean;
  /** Directories given with -d, in order (empty: use the defaults for the mode). */
  serviceDirs: string[];
  envFile?: string;
  /** Control socket path as given with -p (undefined: mode default, see defaultSocketPath). */
  socketPath?: string;
  readyFd?: number;
  logFile?: string;
  /** Service status lines ("[  OK  ] name") on the console; -q turns them off. */
  consoleServiceStatus: boolean;
  consoleLevel: LogLevel;
  mainLogLevel: LogLevel;
  cgroupPath?: string;
  autoRecovery: boolean;
  /** Services to start, in order; 'boot' when none is named. */
  services: string[];
}

/** What the command line asks for: run, or print and exit with a status. */
export type ParseResult =
  | { action: 'run'; options: DaemonOptions }
  | { action: 'exit'; status: number; stdout?: string; stderr?: string };

const DINIT_VERSION = '0.22.1';
const SYSTEM_ENV_FILE = '/etc/dinit/environment';

/** The --help output. It is part of the command-line surface, so it matches upstream's text. */
const HELP_TEXT =
  'dinit: init/service manager daemon\n' +
  ' --help                       display (this) help\n' +
  ' --version                    display version\n' +
  ' --env-file <file>, -e <file>\n' +
  '                              environment variable initialisation file\n' +
  ' --services-dir <dir>, -d <dir>\n' +
  '                              set base directory for service description\n' +
  '                              files, can be specified multiple times\n' +
  ' --system, -s                 run as the system service manager\n' +
  ' --system-mgr, -m             run as system manager (perform shutdown etc)\n' +
  ' --user, -u                   run as a user service manager\n' +
  ' --container, -o              run in container mode (do not manage system)\n' +
  ' --auto-recovery, -r          auto-run recovery service on system manager boot failure\n' +
  ' --socket-path <path>, -p <path>\n' +
  '                              path to control socket\n' +
  ' --ready-fd <fd>, -F <fd>\n' +
  '                              file descriptor to report readiness\n' +
  ' --cgroup-path <path>, -b <path>\n' +
  '                              cgroup base path (for resolving relative paths)\n' +
  ' --log-file <file>, -l <file> log to the specified file\n' +
  ' --quiet, -q                  disable output to standard output\n' +
  ' <service-name>, --service <service-name>, -t <service-name>\n' +
  '                              start service with name <service-name>\n';

const VERSION_TEXT =
  `Dinit version ${DINIT_VERSION}.\n` +
  'Supported features: cgroups supplemental-groups io-priority oom-score-adjust\n';

/** The process facts parsing depends on (injected so tests need no real pid 1). */
export interface ParseContext {
  pid: number;
  uid: number;
  /** True when fd is an open file descriptor. */
  isOpenFd(fd: number): boolean;
}

const LEVEL_NAMES: Record<string, LogLevel> = {
  none: 'none',
  error: 'error',
  warn: 'warn',
  info: 'notice',
  debug: 'debug',
};

/**
 * The service-name check dinit applies to names on its command line: non-empty and not starting
 * with '.' or '@' (upstream 0.22 accepts anything else here). Returns true when acceptable.
 */
function isValidServiceName(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && !name.startsWith('@');
}

/** What parsing has gathered so far; the mode flags are final only at the end of argv. */
interface ParseState {
  readonly o: DaemonOptions;
  readonly ctx: ParseContext;
  /** The whole command line (--version looks for a later --verbose). */
  readonly argv: readonly string[];
  systemInit: boolean;
  systemMgr: boolean;
  /**
   * As PID 1 run by root, the kernel passes its own unrecognised parameters through: until -m
   * or -o is seen only "single" is taken as a service name and unknown options are ignored.
   */
  processSysArgs: boolean;
}

/** One command-line option of dinit. */
interface OptionDef {
  long: string;
  short?: string;
  /**
   * 'text': takes the next argument, which must be present and non-empty; 'raw': takes the
   * next argument as it is (checked by apply); absent: a flag.
   */
  value?: 'text' | 'raw';
  /** Applies the option; a ParseResult ends parsing (an error, --help, --version). */
  apply(st: ParseState, value: string, opt: OptionDef): ParseResult | undefined;
}

/** dinit's options, as upstream accepts them. */
const OPTIONS: readonly OptionDef[] = [
  { long: '--env-file', short: '-e', value: 'text', apply: (st, v) => set(st, 'envFile', v) },
  {
    long: '--services-dir',
    short: '-d',
    value: 'text',
    apply: (st, v) => add(st, 'serviceDirs', v),
  },
  { long: '--system', short: '-s', apply: (st) => mode(st, { systemInit: true }) },
  {
    long: '--system-mgr',
    short: '-m',
    apply: (st) => mode(st, { systemMgr: true, processSysArgs: false }),
  },
  { long: '--user', short: '-u', apply: (st) => mode(st, { systemInit: false }) },
  {
    long: '--container',
    short: '-o',
    apply: (st) => mode(st, { systemMgr: false, processSysArgs: false }),
  },
  { long: '--auto-recovery', short: '-r', apply: (st) => set(st, 'autoRecovery', true) },
  { long: '--socket-path', short: '-p', value: 'text', apply: (st, v) => set(st, 'socketPath', v) },
  { long: '--ready-fd', short: '-F', value: 'raw', apply: readyFd },
  { long: '--log-file', short: '-l', value: 'text', apply: (st, v) => set(st, 'logFile', v) },
  {
    long: '--quiet',
    short: '-q',
    apply: (st) => {
      st.o.consoleServiceStatus = false;
      return set(st, 'consoleLevel', 'none');
    },
  },
  { long: '--console-level', value: 'text', apply: (st, v, d) => level(st, 'consoleLevel', v, d) },
  { long: '--log-level', value: 'text', apply: (st, v, d) => level(st, 'mainLogLevel', v, d) },
  { long: '--cgroup-path', short: '-b', value: 'text', apply: (st, v) => set(st, 'cgroupPath', v) },
  { long: '--service', short: '-t', value: 'text', apply: (st, v) => add(st, 'services', v) },
  { long: '--version', apply: (st) => versionText(st.argv) },
  { long: '--help', apply: () => ({ action: 'exit', status: 0, stdout: HELP_TEXT }) },
];

const OPTION_BY_NAME = new Map<string, OptionDef>(
  OPTIONS.flatMap((d) =>
    d.short ? [[d.long, d] as const, [d.short, d] as const] : [[d.long, d] as const],
  ),
);

/**
 * Parse dinit's command line (argv without node and script). Returns either the options to run
 * with, or what to print and the exit status (0 for --help/--version, 1 for errors), with
 * upstream's message text.
 */
export function parseArgs(argv: readonly string[], ctx: ParseContext): ParseResult {
  const systemMgr = ctx.pid === 1;
  const systemInit = ctx.uid === 0;
  const o: DaemonOptions = {
    systemInit,
    systemMgr,
    serviceDirs: [],
    consoleServiceStatus: true,
    consoleLevel: 'warn',
    mainLogLevel: 'notice',
    autoRecovery: false,
    services: [],
  };
  const processSysArgs = systemMgr && systemInit;
  const st: ParseState = { o, ctx, argv, systemInit, systemMgr, processSysArgs };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      if (arg === '') return fail('error: empty command-line argument');
      if (!st.processSysArgs || arg === 'single') {
        if (!isValidServiceName(arg)) return fail(`error: invalid service name '${arg}'.`);
        o.services.push(arg);
      }
      continue;
    }
    const def = OPTION_BY_NAME.get(arg);
    if (!def) {
      if (!st.processSysArgs) return fail(`unrecognized option: ${arg}`);
      continue;
    }
    let value = '';
    if (def.value !== undefined) {
      i++;
      // A value must be present; for most options also non-empty.
      if (i >= argv.length || (def.value === 'text' && argv[i] === '')) {
        return fail(`${label(def)} requires an argument`);
      }
      value = argv[i];
    }
    const stop = def.apply(st, value, def);
    if (stop) return stop;
  }

  o.systemInit = st.systemInit;
  o.systemMgr = st.systemMgr;
  if (o.services.length === 0) o.services.push('boot');
  if (st.systemMgr && o.envFile === undefined) o.envFile = SYSTEM_ENV_FILE;
  return { action: 'run', options: o };
}

/**
 * The --version text. dinit-ts extension: `--version --verbose` adds a line naming this
 * implementation.
 */
function versionText(argv: readonly string[]): ParseResult {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = require('../version') as typeof import('../version');
  const extra = version.wantsVerboseVersion(argv) ? version.implementationLine() : '';
  return { action: 'exit', status: 0, stdout: VERSION_TEXT + extra };
}

function fail(msg: string): ParseResult {
  return { action: 'exit', status: 1, stderr: `dinit: ${msg}\n` };
}

/** How an option is named in messages: '--long' (-s). */
function label(def: OptionDef): string {
  return def.short ? `'${def.long}' (${def.short})` : `'${def.long}'`;
}

function set<K extends keyof DaemonOptions>(
  st: ParseState,
  key: K,
  value: DaemonOptions[K],
): undefined {
  st.o[key] = value;
  return undefined;
}

function add(st: ParseState, key: 'serviceDirs' | 'services', value: string): undefined {
  st.o[key].push(value);
  return undefined;
}

/** -s, -u, -m, -o. Once -m or -o is seen, the kernel's parameters are no longer skipped. */
function mode(
  st: ParseState,
  change: Partial<Pick<ParseState, 'systemInit' | 'systemMgr' | 'processSysArgs'>>,
): undefined {
  Object.assign(st, change);
  return undefined;
}

function readyFd(st: ParseState, v: string, def: OptionDef): ParseResult | undefined {
  if (!/^\d+$/.test(v)) return fail(`${label(def)} requires a numerical argument`);
  const fd = Number(v);
  if (fd === 0 || !st.ctx.isOpenFd(fd))
    return fail(`${label(def)} requires an open file descriptor`);
  return set(st, 'readyFd', fd);
}

function level(
  st: ParseState,
  key: 'consoleLevel' | 'mainLogLevel',
  v: string,
  def: OptionDef,
): ParseResult | undefined {
  const lvl = LEVEL_NAMES[v];
  if (lvl === undefined) {
    return fail(`${label(def)} accepts only arguments: 'none', 'error', 'warn', 'info', 'debug'`);
  }
  return set(st, key, lvl);
}

/**
 * The control socket path dinit uses when -p is not given: /run/dinitctl for the system
 * manager; otherwise $XDG_RUNTIME_DIR/dinitctl, else $HOME/.dinitctl (home from the password
 * database when HOME is unset, passed in as homeFallback), else /run/dinitctl.
 */
export function defaultSocketPath(
  systemInit: boolean,
  env: Readonly<Record<string, string | undefined>>,
  homeFallback?: string,
): string {
  return instanceSocketPath(!systemInit, env, () => homeFallback) ?? SYSTEM_SOCKET_PATH;
}
