// The dinit daemon's command line: parses argv the way dinit 0.22 does (same options, same error
// lines and exit codes) and resolves the defaults that depend on the mode (socket path, env file).
// Pure apart from the fd check for --ready-fd, which the caller passes in.

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

export const DINIT_VERSION = '0.22.1';
export const SYSTEM_SOCKET_PATH = '/run/dinitctl';
export const SYSTEM_ENV_FILE = '/etc/dinit/environment';

/** The --help output. It is part of the command-line surface, so it matches upstream's text. */
export const HELP_TEXT =
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

export const VERSION_TEXT =
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
export function isValidServiceName(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && !name.startsWith('@');
}

/**
 * Parse dinit's command line (argv without node and script). Returns either the options to run
 * with, or what to print and the exit status (0 for --help/--version, 1 for errors), with
 * upstream's message text.
 */
export function parseArgs(argv: readonly string[], ctx: ParseContext): ParseResult {
  let systemMgr = ctx.pid === 1;
  let systemInit = ctx.uid === 0;
  // As PID 1 run by root, the kernel passes its own unrecognised parameters through: until -m or
  // -o is seen only "single" is taken as a service name and unknown options are ignored.
  let processSysArgs = systemMgr && systemInit;

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
  const fail = (msg: string): ParseResult => ({
    action: 'exit',
    status: 1,
    stderr: `dinit: ${msg}\n`,
  });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // The value of an option that needs one: the next argument, if present and non-empty.
    const value = (): string | undefined => {
      i++;
      return i < argv.length && argv[i] !== '' ? argv[i] : undefined;
    };
    if (!arg.startsWith('-')) {
      if (arg === '') return fail('error: empty command-line argument');
      if (!processSysArgs || arg === 'single') {
        if (!isValidServiceName(arg)) return fail(`error: invalid service name '${arg}'.`);
        o.services.push(arg);
      }
      continue;
    }
    switch (arg) {
      case '--env-file':
      case '-e': {
        const v = value();
        if (v === undefined) return fail("'--env-file' (-e) requires an argument");
        o.envFile = v;
        break;
      }
      case '--services-dir':
      case '-d': {
        const v = value();
        if (v === undefined) return fail("'--services-dir' (-d) requires an argument");
        o.serviceDirs.push(v);
        break;
      }
      case '--system':
      case '-s':
        systemInit = true;
        break;
      case '--system-mgr':
      case '-m':
        systemMgr = true;
        processSysArgs = false;
        break;
      case '--user':
      case '-u':
        systemInit = false;
        break;
      case '--container':
      case '-o':
        systemMgr = false;
        processSysArgs = false;
        break;
      case '--auto-recovery':
      case '-r':
        o.autoRecovery = true;
        break;
      case '--socket-path':
      case '-p': {
        const v = value();
        if (v === undefined) return fail("'--socket-path' (-p) requires an argument");
        o.socketPath = v;
        break;
      }
      case '--ready-fd':
      case '-F': {
        i++;
        if (i >= argv.length) return fail("'--ready-fd' (-F) requires an argument");
        const v = argv[i];
        if (!/^\d+$/.test(v)) return fail("'--ready-fd' (-F) requires a numerical argument");
        const fd = Number(v);
        if (fd === 0 || !ctx.isOpenFd(fd)) {
          return fail("'--ready-fd' (-F) requires an open file descriptor");
        }
        o.readyFd = fd;
        break;
      }
      case '--log-file':
      case '-l': {
        const v = value();
        if (v === undefined) return fail("'--log-file' (-l) requires an argument");
        o.logFile = v;
        break;
      }
      case '--quiet':
      case '-q':
        o.consoleServiceStatus = false;
        o.consoleLevel = 'none';
        break;
      case '--console-level':
      case '--log-level': {
        const v = value();
        if (v === undefined) return fail(`'${arg}' requires an argument`);
        const level = LEVEL_NAMES[v];
        if (level === undefined) {
          return fail(`'${arg}' accepts only arguments: 'none', 'error', 'warn', 'info', 'debug'`);
        }
        if (arg === '--console-level') o.consoleLevel = level;
        else o.mainLogLevel = level;
        break;
      }
      case '--cgroup-path':
      case '-b': {
        const v = value();
        if (v === undefined) return fail("'--cgroup-path' (-b) requires an argument");
        o.cgroupPath = v;
        break;
      }
      case '--service':
      case '-t': {
        const v = value();
        if (v === undefined) return fail("'--service' (-t) requires an argument");
        o.services.push(v);
        break;
      }
      case '--version':
        return { action: 'exit', status: 0, stdout: VERSION_TEXT };
      case '--help':
        return { action: 'exit', status: 0, stdout: HELP_TEXT };
      default:
        if (!processSysArgs) return fail(`unrecognized option: ${arg}`);
    }
  }

  o.systemInit = systemInit;
  o.systemMgr = systemMgr;
  if (o.services.length === 0) o.services.push('boot');
  if (systemMgr && o.envFile === undefined) o.envFile = SYSTEM_ENV_FILE;
  return { action: 'run', options: o };
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
  if (systemInit) return SYSTEM_SOCKET_PATH;
  const rundir = env.XDG_RUNTIME_DIR;
  if (rundir !== undefined) return `${rundir}/dinitctl`;
  const home = env.HOME ?? homeFallback;
  if (home !== undefined) return `${home}/.dinitctl`;
  return SYSTEM_SOCKET_PATH;
}
