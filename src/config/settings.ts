// The settings a description file may contain: which operators each accepts, and how each
// value is read and validated into the intermediate ServiceSettings record.

import { readSettingValue, type SettingOp, type SettingValue } from './lexer';
import { substituteString, type VarResolver } from './var-subst';
import {
  parseDurationMs,
  parseGid,
  parsePerms,
  parseRlimit,
  parseSnum,
  parseUid,
  parseUnum,
  signalNumber,
} from './values';
import type { DependencySpec, LogType, RestartPolicy, RlimitSpec, ServiceOptions } from './types';
import { DEFAULT_SERVICE_OPTIONS, SERVICE_DEFAULTS } from './types';
import type { UserDb } from './users';
import type { DependencyType, ServiceType } from '../model';
import { DescriptionError, type FilePos } from '../errors';

/** Everything read from a description, before finalisation (upstream's settings wrapper). */
export interface ServiceSettings {
  type: ServiceType;
  command: SettingValue;
  stopCommand: SettingValue;
  workingDir: string;
  pidFile: string;
  envFile: string;
  /** Directory a relative env-file resolves against (the containing fragment's directory). */
  envFileDir?: string;
  exportPasswdVars: boolean;
  exportServiceName: boolean;
  /** Dependencies as read (waits-for.d entries included), before any is loaded. */
  depends: DependencySpec[];
  before: string[];
  after: string[];
  logType: LogType;
  logfile: string;
  logfilePerms: number;
  logfileUid?: number;
  logfileUidGid?: number;
  logfileGid?: number;
  logBufferSize: number;
  /** log-buffer-keep (dinit-ts): which end of the output a full buffer keeps. */
  logBufferKeep?: 'newest' | 'oldest';
  /** logfile-max-size (dinit-ts): rotate the logfile beyond this many bytes (0: never). */
  logfileMaxSize?: number;
  /** logfile-max-files (dinit-ts): old log files kept by rotation. */
  logfileMaxFiles?: number;
  options: ServiceOptions;
  termSignal: number;
  restart: RestartPolicy;
  smoothRecovery: boolean;
  socketPath: string;
  socketPerms: number;
  socketUid?: number;
  socketUidGid?: number;
  socketGid?: number;
  restartIntervalMs: number;
  restartLimitCount: number;
  restartDelayMs: number;
  /** restart-delay-max (dinit-ts extension); 0 = no backoff. */
  restartDelayMaxMs: number;
  /** restart-reset-after (dinit-ts extension); -1 = unset (restart-delay-max). */
  restartResetAfterMs: number;
  stopTimeoutMs: number;
  startTimeoutMs: number;
  rlimits: { nofile?: RlimitSpec; core?: RlimitSpec; data?: RlimitSpec; addrspace?: RlimitSpec };
  readinessFd: number;
  readinessVar: string;
  /** ready-notification = notify (sd_notify; dinit-ts extension). */
  readinessNotify: boolean;
  /** watchdog-timeout (dinit-ts extension); 0 = none. */
  watchdogTimeoutMs: number;
  runAs?: { user: string; uid: number; gid?: number; byName: boolean };
  nice?: number;
  /** Set as soon as a nice line is seen, even if its value is bad (upstream's lint uses this). */
  niceIsSet: boolean;
  chainTo: string;
  consumerOf: string;
  runInCgroup: string;
  capabilities: SettingValue;
  securebits: string[];
  ioprio?: { class: 'none' | 'realtime' | 'best-effort' | 'idle'; level: number };
  oomScoreAdj?: number;
  /** Set as soon as an oom-score-adj line is seen, even if its value is bad. */
  oomAdjIsSet: boolean;
  inittabId: string;
  inittabLine: string;
  runInJail: string;
  /**
   * The dinit-ts extensions this description uses (settings, or values of upstream settings, that
   * upstream Dinit does not understand), in file order; dinit-check names each one.
   */
  extensions: { what: string; pos: FilePos }[];
}

/** Fresh settings with upstream's defaults. */
export function defaultSettings(): ServiceSettings {
  return {
    type: 'internal',
    command: { value: '', parts: [] },
    stopCommand: { value: '', parts: [] },
    workingDir: '',
    pidFile: '',
    envFile: '',
    exportPasswdVars: false,
    exportServiceName: false,
    depends: [],
    before: [],
    after: [],
    logType: 'none',
    logfile: '',
    logfilePerms: SERVICE_DEFAULTS.logfilePermissions,
    logBufferSize: SERVICE_DEFAULTS.logBufferSize,
    options: { ...DEFAULT_SERVICE_OPTIONS },
    termSignal: SERVICE_DEFAULTS.termSignal,
    restart: SERVICE_DEFAULTS.restart,
    smoothRecovery: false,
    socketPath: '',
    socketPerms: SERVICE_DEFAULTS.socketPermissions,
    restartIntervalMs: SERVICE_DEFAULTS.restartLimitIntervalMs,
    restartLimitCount: SERVICE_DEFAULTS.restartLimitCount,
    restartDelayMs: SERVICE_DEFAULTS.restartDelayMs,
    restartDelayMaxMs: 0,
    restartResetAfterMs: -1,
    stopTimeoutMs: SERVICE_DEFAULTS.stopTimeoutMs,
    startTimeoutMs: SERVICE_DEFAULTS.startTimeoutMs,
    rlimits: {},
    readinessFd: -1,
    readinessVar: '',
    readinessNotify: false,
    watchdogTimeoutMs: 0,
    niceIsSet: false,
    oomAdjIsSet: false,
    chainTo: '',
    consumerOf: '',
    runInCgroup: '',
    capabilities: { value: '', parts: [] },
    securebits: [],
    inittabId: '',
    inittabLine: '',
    runInJail: '',
    extensions: [],
  };
}

/**
 * Whether a service name is acceptable. Upstream 0.22 only refuses an empty name or one that
 * starts with '.' or '@'; we also refuse '/' in the base name and control characters anywhere so a
 * name can never address a file outside the service directories.
 */
export function validateServiceName(name: string): boolean {
  if (name === '' || name[0] === '.' || name[0] === '@') return false;
  // '/' would address another directory; with it refused, '..' can only be a whole name,
  // which the leading-'.' rule already refuses. The argument after '@' may hold anything printable.
  const base = name.split('@')[0];
  if (base.includes('/')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return false;
  return true;
}

/** What a setting line handler gets to work with. */
export interface LineContext {
  settings: ServiceSettings;
  /** Full service name (with @argument). */
  name: string;
  argval: string | undefined;
  line: string;
  start: number;
  end: number;
  pos: FilePos;
  op: SettingOp;
  setting: string;
  /** Pre-load variable lookup (Dinit environment only). */
  resolve: VarResolver;
  /** Directory relative paths in the current fragment resolve against. */
  resolveDir: string;
  userDb: UserDb;
  /** Read the entries of a .d directory (relative to the current fragment); names only. */
  processDepDir(dir: string, type: DependencyType): void;
}

type Handler = (c: LineContext) => void;

interface SettingDef {
  plusAssign: boolean;
  /** A dinit-ts extension: upstream Dinit refuses the setting. */
  extension: boolean;
  handle: Handler;
}

const value = (c: LineContext): string => readSettingValue(c.line, c.start, c.end, c.pos).value;

const resolved = (c: LineContext): string =>
  substituteString(
    c.setting,
    readSettingValue(c.line, c.start, c.end, c.pos).value,
    c.resolve,
    c.argval,
  );

const err = (c: LineContext, message: string): DescriptionError =>
  new DescriptionError(message, c.pos, c.setting, c.name);

function dependency(type: DependencyType): Handler {
  return (c) => {
    const dep = resolved(c);
    if (!validateServiceName(dep)) {
      // Upstream names the dependency, not the service, as the one in error here.
      throw new DescriptionError(`invalid dependency name '${dep}'`, c.pos, c.setting, dep);
    }
    c.settings.depends.push({ name: dep, type, file: c.pos.file, line: c.pos.line });
  };
}

/** before/after: start-ordering names, checked but not loaded. */
function ordering(field: 'before' | 'after'): Handler {
  return (c) => {
    const n = resolved(c);
    if (!validateServiceName(n)) throw err(c, `invalid service name '${n}'`);
    c.settings[field].push(n);
  };
}

/** inittab-id / inittab-line: a utmp field of at most `bytes` bytes. */
function inittab(field: 'inittabId' | 'inittabLine', bytes: number): Handler {
  return (c) => {
    const v = value(c);
    if (v.length > bytes) {
      throw new DescriptionError(`${c.setting} setting is too long`, c.pos, undefined, c.name);
    }
    c.settings[field] = v;
  };
}

/** command, stop-command, capabilities: a value split into parts, which `+=` extends. */
function appendable(
  field: 'command' | 'stopCommand' | 'capabilities',
  delimiter?: string,
): Handler {
  return (c) => {
    const prev = c.settings[field];
    c.settings[field] = readSettingValue(c.line, c.start, c.end, c.pos, c.op, prev, delimiter);
  };
}

/**
 * nice / oom-score-adj: a signed number in [min, max]. The setting counts as given (`isSet`) even
 * when its value is then refused, as upstream's lint expects.
 */
function signedInRange(
  field: 'nice' | 'oomScoreAdj',
  isSet: 'niceIsSet' | 'oomAdjIsSet',
  min: bigint,
  max: bigint,
): Handler {
  return (c) => {
    const v = value(c);
    c.settings[isSet] = true;
    c.settings[field] = parseSnum(c.pos, v, min, max);
  };
}

function depDir(type: DependencyType): Handler {
  return (c) => c.processDepDir(resolved(c), type);
}

function duration(
  field:
    | 'restartIntervalMs'
    | 'restartDelayMs'
    | 'stopTimeoutMs'
    | 'startTimeoutMs'
    | 'watchdogTimeoutMs'
    | 'restartDelayMaxMs'
    | 'restartResetAfterMs',
): Handler {
  return (c) => {
    c.settings[field] = parseDurationMs(c.pos, value(c), c.setting);
  };
}

function rlimit(which: 'nofile' | 'core' | 'data' | 'addrspace'): Handler {
  return (c) => {
    c.settings.rlimits[which] = parseRlimit(c.pos, value(c), c.setting);
  };
}

/** The files whose mode, owner and group a description sets: the activation socket, the log. */
type OwnedFile = 'socket' | 'logfile';

function permissions(file: OwnedFile): Handler {
  return (c) => {
    c.settings[`${file}Perms`] = parsePerms(c.pos, value(c), c.setting);
  };
}

/** A user name also gives the user's group, used when no group is set. */
function owner(file: OwnedFile): Handler {
  return (c) => {
    const u = parseUid(c.pos, value(c), c.setting, c.userDb);
    c.settings[`${file}Uid`] = u.uid;
    c.settings[`${file}UidGid`] = u.gid;
  };
}

function group(file: OwnedFile): Handler {
  return (c) => {
    c.settings[`${file}Gid`] = parseGid(c.pos, value(c), c.setting, c.userDb);
  };
}

function yesNo(c: LineContext): boolean {
  const v = value(c);
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw err(c, `${c.setting} must be one of: "yes", "true", "no" or "false"`);
}

/** Options that only turn their flag on. */
const OPTION_FLAGS: ReadonlyMap<string, keyof ServiceOptions> = new Map([
  ['starts-rwfs', 'startsRwfs'],
  ['starts-log', 'startsLog'],
  ['unmask-intr', 'unmaskIntr'],
  ['pass-cs-fd', 'passCsFd'],
  ['start-interruptible', 'startInterruptible'],
  ['skippable', 'skippable'],
  ['signal-process-only', 'signalProcessOnly'],
  ['always-chain', 'alwaysChain'],
  ['kill-all-on-stop', 'killAllOnStop'],
  ['no-new-privs', 'noNewPrivs'],
]);

/** The console options cancel each other: each one sets the others as upstream does. */
const CONSOLE_OPTIONS: ReadonlyMap<string, Partial<ServiceOptions>> = new Map([
  ['runs-on-console', { runsOnConsole: true, startsOnConsole: true, sharesConsole: false }],
  ['starts-on-console', { startsOnConsole: true, sharesConsole: false }],
  ['shares-console', { sharesConsole: true, runsOnConsole: false, startsOnConsole: false }],
]);

/** Apply one word of `options`; false when the option is unknown. */
function setOption(o: ServiceOptions, opt: string): boolean {
  const flag = OPTION_FLAGS.get(opt);
  if (flag !== undefined) {
    o[flag] = true;
    return true;
  }
  const consoleOptions = CONSOLE_OPTIONS.get(opt);
  if (consoleOptions === undefined) return false;
  Object.assign(o, consoleOptions);
  return true;
}

const SECUREBITS = new Set([
  'keep-caps',
  'keep-caps-locked',
  'no-setuid-fixup',
  'no-setuid-fixup-locked',
  'noroot',
  'noroot-locked',
]);

/** How each setting upstream knows (plus run-in-jail) is read, in upstream's order. */
const HANDLERS: ReadonlyArray<readonly [string, Handler]> = [
  [
    'type',
    (c) => {
      const v = value(c);
      if (
        v === 'scripted' ||
        v === 'process' ||
        v === 'bgprocess' ||
        v === 'internal' ||
        v === 'triggered'
      ) {
        c.settings.type = v;
      } else {
        throw err(
          c,
          'service type must be one of: "scripted", "process", "bgprocess", "internal" or "triggered"',
        );
      }
    },
  ],
  ['command', appendable('command')],
  ['working-dir', (c) => (c.settings.workingDir = value(c))],
  [
    'env-file',
    (c) => {
      c.settings.envFile = resolved(c);
      c.settings.envFileDir = c.resolveDir;
    },
  ],
  ['socket-listen', (c) => (c.settings.socketPath = value(c))],
  ['socket-permissions', permissions('socket')],
  ['socket-uid', owner('socket')],
  ['socket-gid', group('socket')],
  ['stop-command', appendable('stopCommand')],
  ['pid-file', (c) => (c.settings.pidFile = value(c))],
  ['depends-on', dependency('regular')],
  ['depends-ms', dependency('milestone')],
  ['waits-for', dependency('waits-for')],
  ['waits-for.d', depDir('waits-for')],
  ['depends-on.d', depDir('regular')],
  ['depends-ms.d', depDir('milestone')],
  ['after', ordering('after')],
  ['before', ordering('before')],
  ['prepared-by', dependency('prepared-by')],
  [
    'logfile',
    (c) => {
      c.settings.logfile = value(c);
      if (c.settings.logfile !== '' && c.settings.logType === 'none') c.settings.logType = 'file';
    },
  ],
  ['logfile-permissions', permissions('logfile')],
  ['logfile-uid', owner('logfile')],
  ['logfile-gid', group('logfile')],
  [
    'log-type',
    (c) => {
      const v = value(c);
      if (v === 'file' || v === 'buffer' || v === 'none' || v === 'pipe') c.settings.logType = v;
      else throw err(c, 'log type must be one of: "file", "buffer", "pipe", or "none"');
    },
  ],
  [
    'log-buffer-size',
    (c) => (c.settings.logBufferSize = parseUnum(c.pos, value(c), 4294967295n / 2n)),
  ],
  [
    'consumer-of',
    (c) => {
      const n = resolved(c);
      if (!validateServiceName(n)) throw err(c, `invalid service name '${n}'`);
      if (n === c.name) throw err(c, 'service cannot be its own consumer');
      c.settings.consumerOf = n;
    },
  ],
  [
    'restart',
    (c) => {
      const v = value(c);
      if (v === 'yes' || v === 'true') c.settings.restart = 'yes';
      else if (v === 'on-failure') c.settings.restart = 'on-failure';
      else if (v === 'no' || v === 'false') c.settings.restart = 'no';
      else throw err(c, 'restart must be one of: "yes", "true", "no", "false" or "on-failure"');
    },
  ],
  ['smooth-recovery', (c) => (c.settings.smoothRecovery = yesNo(c))],
  [
    'options',
    (c) => {
      const v = readSettingValue(c.line, c.start, c.end, c.pos);
      for (const [s, e] of v.parts) {
        const opt = v.value.slice(s, e);
        if (!setOption(c.settings.options, opt)) throw err(c, `unknown option: ${opt}`);
      }
    },
  ],
  [
    'load-options',
    (c) => {
      const v = readSettingValue(c.line, c.start, c.end, c.pos);
      for (const [s, e] of v.parts) {
        const opt = v.value.slice(s, e);
        if (opt === 'export-passwd-vars') c.settings.exportPasswdVars = true;
        else if (opt === 'export-service-name') c.settings.exportServiceName = true;
        else if (opt === 'sub-vars') {
          // Accepted for compatibility; substitution is always on.
        } else throw err(c, `unknown load option: ${opt}`);
      }
    },
  ],
  ['term-signal', termSignal],
  ['termsignal', termSignal],
  ['restart-limit-interval', duration('restartIntervalMs')],
  ['restart-delay', duration('restartDelayMs')],
  [
    'restart-limit-count',
    (c) => (c.settings.restartLimitCount = parseUnum(c.pos, value(c), 2147483647n)),
  ],
  ['stop-timeout', duration('stopTimeoutMs')],
  ['start-timeout', duration('startTimeoutMs')],
  [
    'run-as',
    (c) => {
      const v = value(c);
      const u = parseUid(c.pos, v, c.setting, c.userDb);
      c.settings.runAs = { user: v, uid: u.uid, gid: u.gid, byName: u.byName };
    },
  ],
  [
    'chain-to',
    (c) => {
      const n = resolved(c);
      c.settings.chainTo = n;
      if (!validateServiceName(n)) throw err(c, `invalid chain-to service name '${n}'`);
    },
  ],
  [
    'ready-notification',
    (c) => {
      const v = value(c);
      // Each form replaces the others, as a later line replaces an earlier one.
      c.settings.readinessNotify = false;
      if (v === 'notify' || v === 'sd_notify') {
        c.settings.readinessFd = -1;
        c.settings.readinessVar = '';
        c.settings.readinessNotify = true;
        markExtension(c, `ready-notification value '${v}'`);
      } else if (v.startsWith('pipefd:')) {
        c.settings.readinessFd = parseUnum(c.pos, v.slice(7), 2147483647n);
      } else if (v.startsWith('pipevar:')) {
        c.settings.readinessVar = v.slice(8);
        if (c.settings.readinessVar === '') throw err(c, 'invalid pipevar variable name');
      } else throw err(c, `unrecognised setting: ${v}`);
    },
  ],
  // utmpx holds 4 bytes of ut_id and 32 of ut_line.
  ['inittab-id', inittab('inittabId', 4)],
  ['inittab-line', inittab('inittabLine', 32)],
  ['rlimit-nofile', rlimit('nofile')],
  ['rlimit-core', rlimit('core')],
  ['rlimit-data', rlimit('data')],
  ['rlimit-addrspace', rlimit('addrspace')],
  ['nice', signedInRange('nice', 'niceIsSet', -1073741824n, 1073741823n)],
  ['run-in-cgroup', (c) => (c.settings.runInCgroup = value(c))],
  ['capabilities', appendable('capabilities', ',')],
  [
    'securebits',
    (c) => {
      const v = readSettingValue(c.line, c.start, c.end, c.pos);
      if (c.op !== '+=') c.settings.securebits = [];
      for (const [s, e] of v.parts) {
        const bit = v.value.slice(s, e);
        if (!SECUREBITS.has(bit)) throw err(c, `unknown securebits flag: ${bit}`);
        c.settings.securebits.push(bit);
      }
    },
  ],
  [
    'ioprio',
    (c) => {
      const v = value(c);
      if (v === 'none') c.settings.ioprio = { class: 'none', level: 0 };
      else if (v.startsWith('realtime:')) {
        c.settings.ioprio = { class: 'realtime', level: parseUnum(c.pos, v.slice(9), 7n) };
      } else if (v.startsWith('best-effort:')) {
        c.settings.ioprio = { class: 'best-effort', level: parseUnum(c.pos, v.slice(12), 7n) };
      } else if (v === 'idle') c.settings.ioprio = { class: 'idle', level: 0 };
      else throw err(c, `invalid value for ioprio: ${v}`);
    },
  ],
  ['oom-score-adj', signedInRange('oomScoreAdj', 'oomAdjIsSet', -1000n, 1000n)],
  ['run-in-jail', (c) => (c.settings.runInJail = value(c))],
  ['watchdog-timeout', duration('watchdogTimeoutMs')],
  ['restart-delay-max', duration('restartDelayMaxMs')],
  ['restart-reset-after', duration('restartResetAfterMs')],
  [
    'log-buffer-keep',
    (c) => {
      const v = value(c);
      if (v !== 'newest' && v !== 'oldest')
        throw err(c, 'log-buffer-keep must be one of: "newest" or "oldest"');
      c.settings.logBufferKeep = v;
    },
  ],
  ['logfile-max-size', (c) => (c.settings.logfileMaxSize = parseByteSize(c))],
  [
    'logfile-max-files',
    (c) => (c.settings.logfileMaxFiles = parseUnum(c.pos, value(c), BigInt(MAX_LOG_FILES))),
  ],
];

/** The most old log files logfile-max-files may ask to keep. */
const MAX_LOG_FILES = 1000;

/** A size in bytes with an optional K, M or G suffix (powers of 1024), as logfile-max-size takes. */
function parseByteSize(c: LineContext): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value(c));
  if (m === null)
    throw err(c, `${c.setting} must be a number of bytes, optionally followed by K, M or G`);
  const shift = { '': 0, K: 10, M: 20, G: 30 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Number(m[1]) * 2 ** shift;
  if (!Number.isSafeInteger(n)) throw err(c, `${c.setting} is too large`);
  return n;
}

/** The settings that accept `+=`: upstream allows it only for these. */
const PLUS_ASSIGN = new Set(['command', 'stop-command', 'capabilities', 'securebits']);

/**
 * The settings upstream Dinit does not understand (dinit-ts extensions). A file using one loads
 * here and fails to load there; dinit-check names each use. A handler that extends the values of
 * an upstream setting calls markExtension itself.
 */
const EXTENSION_SETTINGS: ReadonlySet<string> = new Set<string>([
  'watchdog-timeout',
  'restart-delay-max',
  'restart-reset-after',
  'log-buffer-keep',
  'logfile-max-size',
  'logfile-max-files',
]);

/** Every setting upstream knows (plus run-in-jail), in upstream's order, then the extensions. */
export const SETTINGS: ReadonlyMap<string, SettingDef> = new Map(
  HANDLERS.map(([name, handle]) => [
    name,
    { plusAssign: PLUS_ASSIGN.has(name), extension: EXTENSION_SETTINGS.has(name), handle },
  ]),
);

/** Record that line `c` uses a dinit-ts extension, described by `what`. */
export function markExtension(c: LineContext, what: string): void {
  c.settings.extensions.push({ what, pos: c.pos });
}

function termSignal(c: LineContext): void {
  const v = value(c);
  const n = signalNumber(v);
  if (n === undefined) throw err(c, `unknown/unsupported termination signal: ${v}`);
  c.settings.termSignal = n;
}

/** Apply one `setting op value` line. Throws DescriptionError in upstream's words. */
export function processSettingLine(c: LineContext): void {
  const def = SETTINGS.get(c.setting);
  if (def === undefined) {
    throw new DescriptionError(`unknown setting: '${c.setting}'.`, c.pos, undefined, c.name);
  }
  if (c.op === '+=' && !def.plusAssign) {
    throw new DescriptionError(
      `cannot use '+=' with setting '${c.setting}'`,
      c.pos,
      undefined,
      c.name,
    );
  }
  if (def.extension) markExtension(c, `setting '${c.setting}'`);
  def.handle(c);
}
