// The shared vocabulary of every layer: service types, states, stop reasons, events, dependency
// kinds, shutdown types, exit statuses and exec stages. A leaf: it imports nothing, so config,
// core, protocol, daemon, client, cli and adapters can all speak it without importing each other.

export type ServiceType = 'process' | 'bgprocess' | 'scripted' | 'internal' | 'triggered';

/** How a dependency relates its dependent to the dependency (dinit-service(5) SERVICE DEPENDENCIES). */
export type DependencyType =
  | 'regular' // depends-on
  | 'soft' // created at runtime by add-dep soft (no setting maps to it)
  | 'waits-for'
  | 'milestone' // depends-ms
  | 'before'
  | 'after'
  | 'prepared-by';

/** A service's current or target state; the index in STATE_NAMES is the protocol number. */
export const STATE_NAMES = ['stopped', 'starting', 'started', 'stopping'] as const;
export type ServiceState = (typeof STATE_NAMES)[number];

/**
 * The state part of a service's status, shared by what the core reports (ServiceStatus) and
 * what a status block carries on the wire (StatusInfo).
 */
export interface ServiceStateFlags {
  state: ServiceState;
  targetState: ServiceState;
  waitingForConsole: boolean;
  hasConsole: boolean;
  startSkipped: boolean;
  markedActive: boolean;
}

/** Why a service last stopped; the index in STOP_REASON_NAMES is the protocol number. */
// prettier-ignore
export const STOP_REASON_NAMES = [
  'normal', 'deprestart', 'depfailed', 'failed', 'execfailed', 'timedout', 'terminated',
] as const;
export type StoppedReason = (typeof STOP_REASON_NAMES)[number];

/** What a service event tells listeners; the index in EVENT_NAMES is the protocol number. */
// prettier-ignore
export const EVENT_NAMES = [
  'started', 'stopped', 'failedstart', 'startcancelled', 'stopcancelled',
] as const;
export type ServiceEvent = (typeof EVENT_NAMES)[number];

/** What happens once every service has stopped; the index in SHUTDOWN_NAMES is the protocol number. */
// prettier-ignore
export const SHUTDOWN_NAMES = [
  'none', 'remain', 'halt', 'poweroff', 'reboot', 'softreboot', 'kexec',
] as const;
export type ShutdownType = (typeof SHUTDOWN_NAMES)[number];

/** How a process ended, as waitid() reports it (protocol v5 encodes it as si_code + si_status). */
export type ExitStatus =
  | { kind: 'exited'; code: number } // CLD_EXITED (1)
  | { kind: 'signalled'; signal: number; coreDumped: boolean }; // CLD_KILLED (2) / CLD_DUMPED (3)

/**
 * The steps between fork and exec, numbered as upstream's exec_stage: a failed launch reports the
 * stage number, which travels through the OS port and the protocol as a number.
 */
export const ExecStage = {
  ARRANGE_FDS: 0,
  READ_ENV_FILE: 1,
  SET_NOTIFYFD_VAR: 2,
  SETUP_ACTIVATION_SOCKET: 3,
  SETUP_CONTROL_SOCKET: 4,
  CHDIR: 5,
  SETUP_STDINOUTERR: 6,
  ENTER_CGROUP: 7,
  SET_RLIMITS: 8,
  SET_UIDGID: 9,
  OPEN_LOGFILE: 10,
  SET_CAPS: 11,
  SET_PRIO: 12,
  DO_EXEC: 18,
} as const;
export type ExecStage = (typeof ExecStage)[keyof typeof ExecStage];

/** What each exec stage is called in messages, indexed by stage number. */
export const EXEC_STAGE_DESCRIPTIONS: readonly string[] = [
  'arranging file descriptors',
  'reading environment file',
  'setting environment variable',
  'setting up activation socket',
  'setting up control socket',
  'changing directory',
  'setting up standard input/output descriptors',
  'entering cgroup',
  'setting resource limits',
  'setting user/group ID',
  'opening log file',
  'setting capabilities',
  'setting I/O priority',
  '',
  '',
  '',
  '',
  '',
  'executing command',
];

/** The description of a stage number ("unknown stage N" for numbers out of the table). */
export function execStageDescription(stage: number): string {
  return EXEC_STAGE_DESCRIPTIONS[stage] || `unknown stage ${stage}`;
}

/** A dependency as the dinit-ts explanation commands (why, tree, graph) show it. */
export interface DependencyLink {
  /** The dependency's name. */
  to: string;
  type: DependencyType;
  /** The dependent holds a required-by count on `to` (it is a reason for `to` to run). */
  holding: boolean;
  /** The dependent is waiting for `to` to start. */
  waiting: boolean;
}

/** One service in a ManagerSnapshot: its state, why it runs, its links, times and restarts. */
export interface ServiceExplanation {
  name: string;
  type: ServiceType | 'placeholder';
  state: ServiceState;
  targetState: ServiceState;
  /** Started explicitly (the active mark). */
  markedActive: boolean;
  /** Reasons to run: 1 for the active mark plus 1 per dependent holding it. */
  requiredBy: number;
  /** -1 when no process. */
  pid: number;
  stopReason: StoppedReason;
  exitStatus?: ExitStatus;
  dependsOn: DependencyLink[];
  /**
   * The manager's monotonic clock (ms) when the service last entered each state, and when its
   * dependencies were satisfied and its own start began (`launched`).
   */
  times: Partial<Record<ServiceState | 'launched', number>>;
  /** Automatic relaunches since the service was loaded. */
  restarts: number;
  logType?: string;
  logFile?: string;
  /** The last STATUS= text the service sent over sd_notify (ready-notification = notify). */
  notifyStatus?: string;
}

/**
 * The whole loaded graph at one moment (dinit-ts protocol extension, as JSON), with the clocks
 * that place its timestamps: `now` and `wallClock` were read together.
 */
export interface ManagerSnapshot {
  now: number;
  wallClock: number;
  /** The monotonic clock when the manager was created (the start of boot). */
  since: number;
  services: ServiceExplanation[];
}
