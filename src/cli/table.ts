// The dinitctl command table: every subcommand, its arguments and flags, and the global options,
// written once. The parser (argv.ts), `dinitctl --help` (help.ts), oclif's per-command help
// (oclif.ts), shell completion (complete.ts) and the surface snapshot (surface.ts) derive from it.
// Plain data and no imports beyond types, so reading it costs nothing at start-up.

import type { DepTypeName } from '../protocol/codes';

/** Everything the command line says. */
export interface CommandLine {
  command: string | undefined;
  /** Plain arguments after the command (service names, setenv assignments). */
  args: string[];
  help: boolean;
  version: boolean;
  /** User daemon (true) or system daemon (false). */
  user: boolean;
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
  /** add-dep/rm-dep: the dependency type. */
  depType: DepTypeName | undefined;
  /** The "from" service (add-dep/rm-dep first name, enable/disable --from, signal target). */
  from: string | undefined;
  /** The "to" service (add-dep/rm-dep second name, enable/disable target). */
  to: string | undefined;
  /** signal: the signal name or number as given. */
  signal: string | undefined;
  /** dinit-ts: print the answer as JSON (schemas/dinitctl.schema.json). */
  json: boolean;
  /** dinit-ts: add CPU, memory, process count and uptime (status, list). */
  stats: boolean;
  /** dinit-ts: list also the installed services that are not loaded. */
  all: boolean;
  /** dinit-ts: logs -f, keep printing new output. */
  follow: boolean;
  /** dinit-ts: logs -n, how many of the last lines to print first (undefined: all). */
  lines: string | undefined;
  /** dinit-ts: top --sort, the initial sort key. */
  sort: string | undefined;
  /** tree --reverse: show dependents instead of dependencies. */
  reverse: boolean;
  /** graph --format: dot or svg. */
  format: string | undefined;
  /** import --output-dir: where the converted files go. */
  outputDir: string | undefined;
  /** import --dry-run: print the converted files instead of writing them. */
  dryRun: boolean;
}

/** A flag (option) of dinitctl. */
export interface FlagSpec {
  name: string;
  char?: string;
  /** One line for oclif's help and the completions. */
  description: string;
  /**
   * The flag takes a value; this names it (e.g. --from <service>). Completion offers files for
   * 'path', directories for 'dir', service names for 'service', the words of 'a|b'.
   */
  value?: string;
  /** upstream's message when the value is missing or empty. */
  missingValue?: string;
  /** May be given more than once (each value is kept). */
  multiple?: boolean;
  /**
   * Where upstream's parser accepts the flag: 'global' anywhere; 'loose' anywhere too, though
   * only some commands use it; 'command' only after a subcommand that lists it (else the line is
   * invalid).
   */
  scope: 'global' | 'loose' | 'command';
  /** With this flag the command takes no positional arguments (signal --list). */
  noArgs?: boolean;
  /** Record the flag (and its value) in the command line. */
  set(cl: CommandLine, value: string): void;
  /** Its entry in `dinitctl --help`: the label and text lines, upstream's wording. */
  help?: { label: string; text: string[] };
}

/**
 * A positional argument of a subcommand. Completion (src/cli/complete.ts) offers its `choices`,
 * signal names for a signal, service names when `name` mentions a service, else nothing.
 */
export interface ArgSpec {
  name: string;
  description: string;
  /** The CommandLine field the word goes to ('args' collects every word). */
  into: 'args' | 'depType' | 'from' | 'to' | 'signal';
  /** Takes every remaining word (setenv NAME...). */
  variadic?: boolean;
  /** The accepted words (add-dep's dependency types). */
  choices?: readonly string[];
  /** upstream's message when the argument is missing (else "Invalid command line"). */
  missing?: string;
  /** May be left out (analyze's service name). */
  optional?: boolean;
}

/** One dinitctl subcommand. Its behaviour is the default export of commands/<id>.ts. */
export interface CommandSpec {
  id: string;
  summary: string;
  /** Usage after "dinitctl [options] " (as oclif's help shows it). */
  usage: string;
  /** The usage line of `dinitctl --help` where upstream's differs from `usage`. */
  generalUsage?: string;
  args: ArgSpec[];
  /** Names of its flags (keys of COMMAND_FLAGS). */
  flags: Array<keyof typeof COMMAND_FLAGS>;
  /**
   * upstream stops reading the line at a surplus or invalid argument (add-dep, enable); other
   * commands read on, so that a later --help still wins.
   */
  stopAtBadArg?: boolean;
  /**
   * commands/<id>.ts default-exports an oclif Command class rather than a run function (for
   * commands of our own; oclif and its parser are then loaded for this command only).
   */
  oclif?: boolean;
}

/**
 * A flag: `help` is its `dinitctl --help` entry as [label, text lines...]; `extra` the rest.
 */
function flag(
  name: string,
  scope: FlagSpec['scope'],
  description: string,
  set: FlagSpec['set'],
  help?: [string, ...string[]],
  extra: Partial<FlagSpec> = {},
): FlagSpec {
  const entry = help && { label: help[0], text: help.slice(1) };
  return { name, scope, description, set, ...(entry ? { help: entry } : {}), ...extra };
}

/** A command flag that takes a value, with upstream's style of message when it is missing. */
function valueFlag(
  name: string,
  description: string,
  set: FlagSpec['set'],
  value: string,
  missingValue: string,
): FlagSpec {
  return flag(name, 'command', description, set, undefined, { value, missingValue });
}

/** Options every command accepts, before or after the subcommand. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  flag('help', 'global', 'show this help', (cl) => (cl.help = true), ['--help', 'show this help']),
  flag('version', 'global', 'show the version', (cl) => (cl.version = true)),
  flag(
    'system',
    'global',
    'control the system daemon (default when run as root)',
    (cl) => (cl.user = false),
    ['-s, --system', 'control system daemon (default if run as root)'],
    { char: 's' },
  ),
  flag(
    'user',
    'global',
    'control the user daemon',
    (cl) => (cl.user = true),
    ['-u, --user', 'control user daemon'],
    {
      char: 'u',
    },
  ),
  flag('quiet', 'global', 'print nothing but errors', (cl) => (cl.quiet = true), [
    '--quiet',
    'suppress output (except errors)',
  ]),
  flag(
    'socket-path',
    'global',
    'control socket of the daemon',
    (cl, v) => (cl.socketPath = v),
    ['--socket-path <path>, -p <path>', 'specify socket for communication with daemon'],
    {
      char: 'p',
      value: 'path',
      missingValue: '--socket-path/-p should be followed by socket path',
    },
  ),
  flag(
    'use-passed-cfd',
    'global',
    'talk to the daemon over the descriptor in DINIT_CS_FD',
    (cl) => (cl.usePassedCfd = true),
    [
      '--use-passed-cfd',
      'use the socket file descriptor identified by the DINIT_CS_FD',
      'environment variable to communicate with the dinit daemon',
    ],
  ),
  flag(
    'offline',
    'global',
    'edit service files without contacting the daemon',
    (cl) => (cl.offline = true),
    ['-o, --offline', 'do not contact running dinit daemon'],
    { char: 'o' },
  ),
  flag(
    'services-dir',
    'global',
    'service description directory (offline mode; may be repeated)',
    (cl, v) => cl.servicesDirs.push(v),
    ['-d, --services-dir <dir>', 'specify directory for service definitions (offline mode)'],
    {
      char: 'd',
      value: 'dir',
      multiple: true,
      missingValue: "'--services-dir' (-d) requires an argument",
    },
  ),
];

/** Options that belong to some commands (listed by name in their CommandSpec). */
export const COMMAND_FLAGS = {
  'no-wait': flag(
    'no-wait',
    'loose',
    "don't wait for service startup/shutdown to complete",
    (cl) => (cl.noWait = true),
    ['--no-wait', "don't wait for service startup/shutdown to complete"],
  ),
  pin: flag('pin', 'loose', 'pin the service in the requested state', (cl) => (cl.pin = true), [
    '--pin',
    'pin the service in the requested state',
  ]),
  force: flag(
    'force',
    'command',
    'stop even if dependents will be affected',
    (cl) => (cl.force = true),
    ['--force', 'force stop even if dependents will be affected'],
    { char: 'f' },
  ),
  'ignore-unstarted': flag(
    'ignore-unstarted',
    'loose',
    'succeed (doing nothing) if the service is not started',
    (cl) => (cl.ignoreUnstarted = true),
  ),
  // Global options that only enable/disable use; `dinitctl --help` lists them as general.
  offline: { ...GLOBAL_FLAGS[7], help: undefined },
  'services-dir': { ...GLOBAL_FLAGS[8], help: undefined },
  from: valueFlag(
    'from',
    'the service to enable from (default: boot)',
    (cl, v) => (cl.from = v),
    'service',
    '--from should be followed by a service name',
  ),
  clear: flag(
    'clear',
    'command',
    'clear the log buffer after printing it',
    (cl) => (cl.clear = true),
  ),
  list: flag(
    'list',
    'command',
    'list the supported signal names',
    (cl) => (cl.listSignals = true),
    ['-l, --list', '(signal) list supported signals'],
    { char: 'l', noArgs: true },
  ),
  // dinit-ts extensions (upstream's dinitctl refuses these flags).
  json: flag(
    'json',
    'command',
    'print the answer as JSON (see schemas/dinitctl.schema.json)',
    (cl) => (cl.json = true),
    ['--json', '(queries) print the answer as JSON'],
  ),
  stats: flag(
    'stats',
    'command',
    'add CPU %, memory, process count and uptime of running services',
    (cl) => (cl.stats = true),
    ['--stats', '(status, list) add CPU, memory, processes and uptime'],
  ),
  all: flag(
    'all',
    'command',
    'include installed services that are not loaded',
    (cl) => (cl.all = true),
    ['--all', '(list) include installed services not loaded'],
  ),
  follow: flag(
    'follow',
    'command',
    'keep printing new output as it arrives',
    (cl) => (cl.follow = true),
    ['-f, --follow', '(logs) keep printing new output'],
    { char: 'f' },
  ),
  lines: flag(
    'lines',
    'command',
    'print only the last N lines of what is logged so far',
    (cl, v) => (cl.lines = v),
    ['-n, --lines <N>', '(logs) start with the last N lines only'],
    { char: 'n', value: 'N', missingValue: '--lines/-n should be followed by a number' },
  ),
  sort: flag(
    'sort',
    'command',
    'sort by cpu (default) or mem',
    (cl, v) => (cl.sort = v),
    ['--sort <cpu|mem>', '(top) initial sort order'],
    { value: 'cpu|mem', missingValue: '--sort should be followed by cpu or mem' },
  ),
  reverse: flag(
    'reverse',
    'command',
    'show the dependents of the service instead of its dependencies',
    (cl) => (cl.reverse = true),
    undefined,
    { char: 'r' },
  ),
  format: valueFlag(
    'format',
    'output format: dot (Graphviz), svg or json',
    (cl, v) => (cl.format = v),
    'dot|svg|json',
    '--format should be followed by dot, svg or json',
  ),
  'output-dir': flag(
    'output-dir',
    'command',
    'write the converted files into this directory (default: the current directory)',
    (cl, v) => (cl.outputDir = v),
    undefined,
    { char: 'o', value: 'dir', missingValue: '--output-dir should be followed by a directory' },
  ),
  'dry-run': flag(
    'dry-run',
    'command',
    'print the converted files instead of writing them',
    (cl) => (cl.dryRun = true),
  ),
} satisfies Record<string, FlagSpec>;

const SERVICE: ArgSpec = { name: 'service-name', description: 'name of the service', into: 'args' };
const DEP_ARGS: ArgSpec[] = [
  {
    name: 'type',
    description: 'need (or regular), milestone, or waits-for',
    into: 'depType',
    choices: ['need', 'regular', 'milestone', 'waits-for'],
  },
  { name: 'from-service', description: 'the dependent service', into: 'from' },
  { name: 'to-service', description: 'the dependency', into: 'to' },
];

/** A command on one service with the given flags. */
function onService(
  id: string,
  summary: string,
  flags: CommandSpec['flags'] = [],
  usage = flags.length > 0 ? `${id} [options] <service-name>` : `${id} <service-name>`,
): CommandSpec {
  return { id, summary, usage, args: [SERVICE], flags };
}

/** enable or disable: the waits-for.d link of a service in another's directory. */
function linkCommand(id: 'enable' | 'disable', summary: string): CommandSpec {
  return {
    id,
    summary,
    usage: `${id} [--from <from-service>] <to-service>`,
    args: [{ name: 'to-service', description: `the service to ${id}`, into: 'to' }],
    flags: ['from', 'offline', 'services-dir'],
    stopAtBadArg: true,
  };
}

/** Every subcommand, in the order `dinitctl --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    ...onService('status', 'Show the state, activation and process of a loaded service', [
      'stats',
      'json',
    ]),
    generalUsage: 'status <service-name>',
  },
  {
    ...onService('is-started', 'Succeed if the service is started; print its state', ['json']),
    generalUsage: 'is-started <service-name>',
  },
  {
    ...onService('is-failed', 'Succeed if the service failed to start; print its state', ['json']),
    generalUsage: 'is-failed <service-name>',
  },
  onService('start', 'Start a service and mark it active; wait until it has started', [
    'no-wait',
    'pin',
  ]),
  onService('stop', 'Stop a service and remove its active mark; wait until it has stopped', [
    'no-wait',
    'pin',
    'force',
    'ignore-unstarted',
  ]),
  onService(
    'restart',
    'Stop a started service and start it again, without changing its active mark',
    ['no-wait', 'force', 'ignore-unstarted'],
  ),
  onService('wake', 'Start a service without marking it active (it must have active dependents)', [
    'no-wait',
    'pin',
  ]),
  onService('release', 'Remove the active mark of a service; it stops unless something needs it', [
    'no-wait',
    'pin',
    'ignore-unstarted',
  ]),
  onService('unpin', 'Remove the start/stop pin of a service (it may then start or stop)'),
  onService('unload', 'Unload a stopped service that no other service depends on'),
  onService('reload', 'Reload the description of a service from its file'),
  {
    id: 'list',
    summary: 'List loaded services and their states',
    usage: 'list [--all] [--stats] [--json]',
    generalUsage: 'list',
    args: [],
    flags: ['all', 'stats', 'json'],
  },
  {
    id: 'shutdown',
    summary: 'Stop all services and end the daemon (halt, for a system daemon)',
    usage: 'shutdown',
    args: [],
    flags: [],
  },
  {
    id: 'daemon-reexec',
    summary: 'Execute the service manager again in place, keeping every service running (dinit-ts)',
    usage: 'daemon-reexec',
    args: [],
    flags: [],
  },
  {
    id: 'add-dep',
    summary: 'Add a dependency (need, milestone or waits-for) from one service to another',
    usage: 'add-dep <type> <from-service> <to-service>',
    args: DEP_ARGS,
    flags: [],
    stopAtBadArg: true,
  },
  {
    id: 'rm-dep',
    summary: 'Remove a dependency (need, milestone or waits-for) from one service to another',
    usage: 'rm-dep <type> <from-service> <to-service>',
    args: DEP_ARGS,
    flags: [],
    stopAtBadArg: true,
  },
  linkCommand(
    'enable',
    'Persistently enable a service: add it to the waits-for.d directory of another (boot by default) and start it',
  ),
  linkCommand(
    'disable',
    'Persistently disable a service: remove it from the waits-for.d directory of another (boot by default)',
  ),
  onService('trigger', 'Trigger a triggered service'),
  onService('untrigger', 'Reset the trigger of a triggered service'),
  {
    id: 'setenv',
    summary: "Set variables in the daemon's environment for services started later",
    usage: 'setenv [name[=value] ...]',
    args: [
      {
        name: 'name[=value]',
        description: 'NAME=VALUE, or NAME to pass on our own value',
        into: 'args',
        variadic: true,
      },
    ],
    flags: [],
  },
  {
    id: 'unsetenv',
    summary: "Remove variables from the daemon's environment",
    usage: 'unsetenv [name ...]',
    args: [{ name: 'name', description: 'variable name', into: 'args', variadic: true }],
    flags: [],
  },
  {
    ...onService('catlog', 'Print the log buffer of a service (log-type = buffer)', [
      'clear',
      'json',
    ]),
    usage: 'catlog [--clear] [--json] <service-name>',
    generalUsage: 'catlog <service-name>',
  },
  {
    id: 'signal',
    summary: "Send a signal to a service's process",
    usage: 'signal <signal> <service-name>',
    args: [
      {
        name: 'signal',
        description: 'signal name (HUP, TERM, ...) or number',
        into: 'signal',
        missing: 'signal number/name must be specified',
      },
      {
        name: 'service-name',
        description: 'name of the service',
        into: 'from',
        missing: 'service name must be specified',
      },
    ],
    flags: ['list', 'json'],
  },
  // dinit-ts extensions: oclif commands (upstream's dinitctl does not have them).
  {
    id: 'is-enabled',
    summary: 'Succeed if a service is enabled: linked from the waits-for.d of boot (or --from)',
    usage: 'is-enabled [--from <from-service>] [--json] <service-name>',
    args: [{ name: 'service-name', description: 'the service to ask about', into: 'to' }],
    flags: ['from', 'offline', 'services-dir', 'json'],
    oclif: true,
  },
  {
    id: 'top',
    summary: 'Live view of running services: CPU, memory, processes, uptime (keys: c, m, q)',
    usage: 'top [--sort cpu|mem] [--json]',
    args: [],
    flags: ['sort', 'json'],
    oclif: true,
  },
  {
    id: 'logs',
    summary: 'Print the output of services (log-type buffer or file), then follow it with -f',
    usage: 'logs [-f] [-n <N>] [--json] <service-name>...',
    args: [{ ...SERVICE, variadic: true }],
    flags: ['follow', 'lines', 'json'],
    oclif: true,
  },
  {
    id: 'import',
    summary: 'Convert systemd units or PM2 ecosystem files into Dinit service descriptions',
    usage: 'import systemd|pm2 [-o <dir>] [--dry-run] <file>...',
    args: [
      {
        name: 'format',
        description: 'systemd (.service unit files) or pm2 (ecosystem files)',
        into: 'args',
        choices: ['systemd', 'pm2'],
      },
      {
        name: 'file',
        description: 'a .service unit, or a PM2 ecosystem file (.js, .json)',
        into: 'args',
        variadic: true,
      },
    ],
    flags: ['output-dir', 'dry-run'],
    oclif: true,
  },
  // dinit-ts extensions: they need the daemon's dinit-ts protocol extension.
  {
    ...onService(
      'why',
      'Explain why a service is in its state: its activation chain, last exit, restarts and log',
      ['json'],
    ),
    usage: 'why [--json] <service-name>',
  },
  {
    ...onService('tree', 'Show the dependency tree of a service with each state and link kind', [
      'reverse',
      'json',
    ]),
    usage: 'tree [--reverse] [--json] <service-name>',
  },
  {
    id: 'graph',
    summary: 'Draw the whole loaded service graph, coloured by state (dot or SVG)',
    usage: 'graph [--format dot|svg|json]',
    args: [],
    flags: ['format'],
  },
  {
    id: 'analyze',
    summary: 'Boot timing: blame, critical-chain [service], or plot (an SVG timeline)',
    usage: 'analyze [--json] blame|critical-chain|plot [<service-name>]',
    args: [
      {
        name: 'what',
        description: 'blame, critical-chain or plot',
        into: 'args',
        choices: ['blame', 'critical-chain', 'plot'],
      },
      { ...SERVICE, optional: true },
    ],
    flags: ['json'],
  },
];

/** The subcommand ids, in table order. */
export const COMMAND_IDS: readonly string[] = COMMANDS.map((c) => c.id);

/** The spec of subcommand `id`, or undefined. */
export function commandSpec(id: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.id === id);
}

/** The flags a command lists, as specs. */
export function flagsOf(spec: CommandSpec): FlagSpec[] {
  return spec.flags.map((f): FlagSpec => COMMAND_FLAGS[f]);
}
