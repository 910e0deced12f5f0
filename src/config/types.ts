// The data a service description file turns into: plain values, fully validated at load.
// src/config produces ServiceDescription; src/core consumes it. No behaviour lives here.

import type { DependencyType, ServiceType } from '../model';

export interface DependencySpec {
  /** The full service name of the dependency (may include @arg). */
  name: string;
  type: DependencyType;
  /** Where it was declared, for error messages. */
  file?: string;
  line?: number;
  /**
   * Set (to the absolute directory) when the dependency came from a waits-for.d / depends-on.d /
   * depends-ms.d directory entry: upstream ignores such a dependency, with a warning, when the
   * service is not found.
   */
  fromDir?: string;
  /**
   * With fromDir: the directory as written in the setting (e.g. `waits-for.d = boot.d`), which
   * upstream names in its "Ignoring unresolved dependency" warning.
   */
  fromDirSetting?: string;
}

export type RestartPolicy = 'yes' | 'no' | 'on-failure';

export type LogType = 'none' | 'file' | 'buffer' | 'pipe';

export type ReadyNotification =
  | { kind: 'pipefd'; fd: number }
  | { kind: 'pipevar'; variable: string }
  /** sd_notify protocol on a datagram socket named in NOTIFY_SOCKET (dinit-ts extension). */
  | { kind: 'notify' };

/** A resource limit as Dinit writes it: "soft:hard", "n" (both), "soft:" or ":hard"; -1 = unlimited. */
export interface RlimitSpec {
  soft?: number;
  hard?: number;
}

export interface ServiceOptions {
  runsOnConsole: boolean;
  startsOnConsole: boolean;
  sharesConsole: boolean;
  unmaskIntr: boolean;
  startsRwfs: boolean;
  startsLog: boolean;
  passCsFd: boolean;
  startInterruptible: boolean;
  skippable: boolean;
  signalProcessOnly: boolean;
  alwaysChain: boolean;
  killAllOnStop: boolean;
  noNewPrivs: boolean;
}

/**
 * A parsed, validated service description. Command lines are already split into argv words
 * and variable-substituted (substitution happens once, at load). Durations are milliseconds.
 * Paths are absolute (resolved at load as upstream does).
 */
export interface ServiceDescription {
  /** Full name including any @argument. */
  name: string;
  /** The file it came from (absent for services created without a file). */
  file?: string;
  /** Directory of the top-level description file. */
  serviceDir?: string;
  /** Modification time of the description file, in ms since the epoch (protocol v6). */
  mtimeMs?: number;
  /**
   * The same time to the nanosecond (statSync(file, { bigint: true }).mtimeNs). The core passes
   * it on as ServiceStatus.loadedMtimeNs: dinitctl compares it exactly with its own stat() and
   * warns "service description may have changed" on any difference.
   */
  mtimeNs?: bigint;

  type: ServiceType;
  command: string[];
  stopCommand: string[];
  workingDir?: string;
  envFile?: string;
  /** Variables from env-file/load-time that the service environment gets (name -> value). */
  env?: Record<string, string>;
  /**
   * What the env-file's `!clear`, `!unset` and `!import` commands did to the inherited (global)
   * environment: with `clear`, only `import` names are inherited; otherwise all but `unset`.
   * `env` is applied on top.
   */
  envRules?: { clear: boolean; unset: string[]; import: string[] };

  /** Dependencies, the entries of waits-for.d / depends-on.d / depends-ms.d included. */
  dependencies: DependencySpec[];

  restart: RestartPolicy;
  smoothRecovery: boolean;
  restartDelayMs: number; // default 200
  /**
   * restart-delay-max (dinit-ts extension): consecutive automatic restarts wait twice as long as
   * the one before, from restartDelayMs up to this. Absent: restartDelayMs every time.
   */
  restartDelayMaxMs?: number;
  /** restart-reset-after (dinit-ts extension): up this long, the backoff starts again. */
  restartResetAfterMs?: number;
  restartLimitIntervalMs: number; // default 10000
  restartLimitCount: number; // default 3
  startTimeoutMs: number; // default 60000; 0 = none
  stopTimeoutMs: number; // default 10000; 0 = none
  /** Signal number used to stop the process (default SIGTERM). 0 = none ("none"). */
  termSignal: number;

  pidFile?: string;
  chainTo?: string;
  readyNotification?: ReadyNotification;
  /**
   * watchdog-timeout (dinit-ts extension, with ready-notification = notify): once started, the
   * process must send WATCHDOG=1 at least this often (ms) or it is aborted. Absent or 0: none.
   */
  watchdogTimeoutMs?: number;

  logType: LogType;
  logfile?: string;
  logfilePermissions: number; // default 0o600
  logfileUid?: number;
  logfileGid?: number;
  logBufferSize: number; // default 4096
  /** log-buffer-keep (dinit-ts): 'newest' drops old lines to make room; default 'oldest'. */
  logBufferKeep?: 'newest' | 'oldest';
  /** logfile-max-size (dinit-ts): rotate the logfile before it grows beyond this; 0/absent: never. */
  logfileMaxSize?: number;
  /** logfile-max-files (dinit-ts): old files kept by rotation (file.1 ... file.N); default 5. */
  logfileMaxFiles?: number;
  consumerOf?: string;

  options: ServiceOptions;
  exportPasswdVars: boolean;
  exportServiceName: boolean;

  /** run-as: a name resolves to uid+gid+supplementary; a number keeps Dinit's gid. */
  runAs?: { user: string; uid: number; gid?: number; byName: boolean };

  socketListen?: string;
  socketPermissions: number; // default 0o666
  socketUid?: number;
  socketGid?: number;

  rlimits: { nofile?: RlimitSpec; core?: RlimitSpec; data?: RlimitSpec; addrspace?: RlimitSpec };
  nice?: number;
  /** I/O priority: none, or class with level (realtime:N, best-effort:N, idle). */
  ioprio?: { class: 'none' | 'realtime' | 'best-effort' | 'idle'; level: number };
  oomScoreAdj?: number;
  runInCgroup?: string;
  capabilities?: string;
  securebits?: string;
  inittabId?: string;
  inittabLine?: string;
  /** run-in-jail (FreeBSD, beyond upstream). */
  runInJail?: string;
  /** `@meta enable-via <service>`: the service `dinitctl enable` adds the waits-for to. */
  enableVia?: string;
}

/** The defaults upstream applies when a setting is absent. */
export const SERVICE_DEFAULTS = {
  restart: 'yes' as RestartPolicy, // upstream's default build: DEFAULT_AUTO_RESTART=ALWAYS
  restartDelayMs: 200,
  restartLimitIntervalMs: 10_000,
  restartLimitCount: 3,
  startTimeoutMs: 60_000,
  stopTimeoutMs: 10_000,
  termSignal: 15,
  logfilePermissions: 0o600,
  logBufferSize: 4096,
  /** dinit-ts: the old log files rotation keeps when logfile-max-files is not given. */
  logfileMaxFiles: 5,
  socketPermissions: 0o666,
} as const;

/** Every option off: what a description without an `options` setting gets. */
export const DEFAULT_SERVICE_OPTIONS: Readonly<ServiceOptions> = Object.freeze({
  runsOnConsole: false,
  startsOnConsole: false,
  sharesConsole: false,
  unmaskIntr: false,
  startsRwfs: false,
  startsLog: false,
  passCsFd: false,
  startInterruptible: false,
  skippable: false,
  signalProcessOnly: false,
  alwaysChain: false,
  killAllOnStop: false,
  noNewPrivs: false,
});

/**
 * Where the core gets descriptions from. config/file-source.ts reads them from service
 * directories; tests supply their own. load() returns the description or throws ServiceLoadError.
 */
export interface DescriptionSource {
  load(name: string): ServiceDescription;
  /** Environment used for process launches (global env + runtime setenv). */
  environment(): Record<string, string>;
}
