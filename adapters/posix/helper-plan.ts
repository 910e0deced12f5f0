// Turns a ProcessSpec into a launch plan: which fd of the child gets what, the final
// environment, and, when pre-exec work is needed, the exec helper's instruction list.
// Pure data in, data out, so that every decision is unit-testable without launching anything.

import type { ProcessSpec } from '../../src/core/os';
import { ExecStage } from '../../src/model';
import { LaunchError } from '../../src/errors';

/** What the parent passes at one child fd: a parent fd, /dev/null ('ignore' on 0-2),
 * the daemon's own fd ('inherit'), or a fresh pipe read by the daemon ('pipe'). */
export type StdioSource = 'ignore' | 'inherit' | 'pipe' | number;

/** Parent-side resources already prepared for this launch. */
export interface PlanInputs {
  /** Parent fd for the child's stdin when spec.stdin is a pipe. */
  stdinFd?: number;
  /** What stdout/stderr get when the output goes to a pipe (buffer or consumer-of). */
  outputFd?: StdioSource;
  /** What the readiness fd gets (usually 'pipe': a fresh pipe the daemon reads). */
  readinessFd?: StdioSource;
  /** Parent fd of the activation socket. */
  activationFd?: number;
  /** Parent fd of the control-socket connection to pass (pass-cs-fd). */
  controlFd?: number;
  /** Absolute path of the cgroup.procs file to join, resolved by the platform adapter. */
  cgroupProcsPath?: string;
  /** The platform supports the helper's 'jail' instruction. */
  jailSupported?: boolean;
  /** The helper's 'caps' instruction for spec.capabilities/securebits (Linux only). */
  capsOps?: string[];
}

export interface LaunchPlan {
  /** Index = child fd. */
  stdio: StdioSource[];
  env: Readonly<Record<string, string>>;
  /** Why the exec helper is needed; empty when child_process.spawn can do it alone. */
  helperReasons: HelperReason[];
  /** Helper instructions (without the leading status fd and trailing "-- argv"). */
  helperOps: string[];
  /** Run in a new session (only used when launching without the helper). */
  detached: boolean;
  /** The child fd that carries the readiness pipe, if any. */
  readinessFd?: number;
}

/** The steps that need the exec helper, as named in messages. */
export type HelperReason =
  | 'activation socket (LISTEN_PID)'
  | 'console'
  | 'log file'
  | 'rlimits'
  | 'nice'
  | 'ioprio'
  | 'oom-score-adj'
  | 'cgroup'
  | 'jail'
  | 'run-as'
  | 'capabilities'
  | 'no-new-privs';

/** The launch stage each step belongs to, for a failure reported without the helper. */
export const HELPER_REASON_STAGE: Partial<Record<HelperReason, number>> = {
  'activation socket (LISTEN_PID)': ExecStage.SETUP_ACTIVATION_SOCKET,
  console: ExecStage.SETUP_STDINOUTERR,
  'log file': ExecStage.OPEN_LOGFILE,
  rlimits: ExecStage.SET_RLIMITS,
  nice: ExecStage.SET_PRIO,
  ioprio: ExecStage.SET_PRIO,
  'oom-score-adj': ExecStage.SET_PRIO,
  cgroup: ExecStage.ENTER_CGROUP,
  'run-as': ExecStage.SET_UIDGID,
  capabilities: ExecStage.SET_CAPS,
  'no-new-privs': ExecStage.SET_CAPS,
};

const IOPRIO_CLASSES = { none: 0, realtime: 1, 'best-effort': 2, idle: 3 } as const;

/** The plan while it is being built: child fds so far, environment, helper reasons and ops. */
interface Draft {
  readonly spec: ProcessSpec;
  readonly inputs: PlanInputs;
  /** spec.env itself until a variable is added (setEnv): most launches share one record. */
  env: Readonly<Record<string, string>>;
  readonly fds: Map<number, StdioSource>;
  readonly reasons: HelperReason[];
  readonly ops: string[];
  /** spec.capabilities or spec.securebits is set. */
  readonly wantsCaps: boolean;
  readinessFd?: number;
  /** The child fds (1, 2, or one of them) that receive the service output. */
  outputFds: number[];
}

/**
 * Builds the launch plan for a spec. Throws LaunchError (code 'ELAUNCH') for what is not
 * supported here (capabilities, cgroups, jails) or for conflicting fd requests.
 */
export function planLaunch(spec: ProcessSpec, inputs: PlanInputs): LaunchPlan {
  if (spec.argv.length === 0 || spec.argv[0] === '') {
    throw new LaunchError(`${spec.serviceName}: no command to execute`, ExecStage.DO_EXEC);
  }
  const wantsCaps = Boolean(spec.capabilities || spec.securebits);
  if (wantsCaps && !inputs.capsOps) {
    throw lacking(spec, 'capabilities and securebits are not supported', ExecStage.SET_CAPS);
  }
  const d: Draft = {
    spec,
    inputs,
    env: spec.env,
    fds: new Map(),
    reasons: [],
    ops: [],
    wantsCaps,
    outputFds: [],
  };
  arrangeFds(d);
  // Indexed loops and no spread: this runs at every launch, in the daemon's bytecode-only V8,
  // where each iterator step allocates.
  for (let i = 0; i < HELPER_STEPS.length; i++) HELPER_STEPS[i](d);

  let max = 0;
  d.fds.forEach((_, fd) => {
    if (fd > max) max = fd;
  });
  const stdio: StdioSource[] = [];
  for (let fd = 0; fd <= max; fd++) stdio.push(d.fds.get(fd) ?? 'ignore');
  return {
    stdio,
    env: d.env,
    helperReasons: d.reasons,
    helperOps: d.ops,
    detached: spec.newSession && !spec.onConsole,
    readinessFd: d.readinessFd,
  };
}

/** Sets a variable of the child's environment, in a copy of spec.env made at the first. */
function setEnv(d: Draft, name: string, value: string): void {
  if (d.env === d.spec.env) d.env = { ...d.spec.env };
  (d.env as Record<string, string>)[name] = value;
}

/** Records that the helper is needed (once per reason) and appends its instructions. */
function need(d: Draft, reason: HelperReason, ...ops: string[]): void {
  if (!d.reasons.includes(reason)) d.reasons.push(reason);
  d.ops.push(...ops);
}

/** The error for a setting this system cannot honour, in the form "<service>: <what> on this system". */
function lacking(spec: ProcessSpec, what: string, stage: number): LaunchError {
  return new LaunchError(`${spec.serviceName}: ${what} on this system`, stage);
}

/** An input the caller should have prepared and did not (a wiring error, not a user error). */
function missing<T>(value: T | undefined, what: string, stage: number): T {
  if (value === undefined) throw new LaunchError(`${what} has no fd`, stage);
  return value;
}

// ---- child fds ---------------------------------------------------------------------------

/**
 * Decides every child fd: stdin at 0; the activation socket always at 3; the readiness pipe
 * at its fixed fd or the first free one; the control socket at the next free one; stdout and
 * stderr last, because the readiness pipe may take one of them.
 */
function arrangeFds(d: Draft): void {
  const { spec, inputs, fds } = d;
  if (spec.stdin.kind === 'pipe') {
    fds.set(0, missing(inputs.stdinFd, 'stdin pipe', ExecStage.ARRANGE_FDS));
  } else {
    fds.set(0, spec.stdin.kind === 'inherit' ? 'inherit' : 'ignore');
  }
  if (spec.activationSocket) {
    const stage = ExecStage.SETUP_ACTIVATION_SOCKET;
    fds.set(3, missing(inputs.activationFd, 'activation socket', stage));
    setEnv(d, 'LISTEN_FDS', '1');
    d.reasons.push('activation socket (LISTEN_PID)');
  }
  if (spec.readiness) placeReadiness(d, spec.readiness);
  if (spec.passControlSocket) {
    if (inputs.controlFd === undefined) {
      throw new LaunchError(
        `${spec.serviceName}: passing the control socket (pass-cs-fd) is not supported yet`,
        ExecStage.SETUP_CONTROL_SOCKET,
      );
    }
    const target = firstFree(fds);
    fds.set(target, inputs.controlFd);
    setEnv(d, 'DINIT_CS_FD', String(target));
  }
  d.outputFds = d.readinessFd === 1 ? [2] : d.readinessFd === 2 ? [1] : [1, 2];
  for (let i = 0; i < d.outputFds.length; i++) fds.set(d.outputFds[i], outputSource(d));
}

function placeReadiness(d: Draft, readiness: NonNullable<ProcessSpec['readiness']>): void {
  const source = missing(d.inputs.readinessFd, 'readiness pipe', ExecStage.ARRANGE_FDS);
  let target: number;
  if (readiness.kind === 'pipefd') {
    target = readiness.fd;
    if (target === 3 && d.spec.activationSocket) {
      throw new LaunchError(
        `${d.spec.serviceName}: ready-notification fd 3 conflicts with the activation socket`,
        ExecStage.ARRANGE_FDS,
      );
    }
  } else {
    target = firstFree(d.fds);
    setEnv(d, readiness.variable, String(target));
  }
  d.fds.set(target, source);
  d.readinessFd = target;
}

/** What stdout and stderr get before exec (a log file is opened later, by the helper). */
function outputSource(d: Draft): StdioSource {
  const out = d.spec.output;
  switch (out.kind) {
    case 'inherit':
      return 'inherit';
    case 'null':
    case 'file': // placeholder until the helper opens the file
      return 'ignore';
    case 'buffer':
    case 'rotate': // the daemon reads the pipe and writes the rotated file
    case 'pipe':
      return missing(d.inputs.outputFd, 'output pipe', ExecStage.SETUP_STDINOUTERR);
    default: {
      const never: never = out;
      throw new LaunchError(`unknown output kind ${String(never)}`, ExecStage.SETUP_STDINOUTERR);
    }
  }
}

function firstFree(fds: Map<number, StdioSource>): number {
  let fd = 3;
  while (fds.has(fd)) fd++;
  return fd;
}

// ---- helper instructions -----------------------------------------------------------------

/**
 * The exec helper's steps in the order it runs them. Session and console come first: nothing
 * after depends on them and they cannot fail usefully. Groups are set before the uid, because
 * once the uid is dropped the process may no longer change them.
 */
const HELPER_STEPS: ReadonlyArray<(d: Draft) => void> = [
  sessionOps,
  ({ spec, ops }) => {
    if (spec.workingDir) ops.push('chdir', spec.workingDir);
  },
  logFileOps,
  ({ spec, ops }) => {
    if (spec.activationSocket) ops.push('listenpid');
  },
  rlimitOps,
  (d) => {
    if (d.spec.nice !== undefined)
      need(d, 'nice', 'nice', String(Math.max(-20, Math.min(19, d.spec.nice))));
  },
  (d) => {
    const io = d.spec.ioprio;
    if (io) need(d, 'ioprio', 'ioprio', String((IOPRIO_CLASSES[io.class] << 13) | io.level));
  },
  (d) => {
    if (d.spec.oomScoreAdj !== undefined)
      need(d, 'oom-score-adj', 'oom', String(d.spec.oomScoreAdj));
  },
  platformOps,
  runAsOps,
  (d) => {
    if (d.wantsCaps && d.inputs.capsOps) need(d, 'capabilities', ...d.inputs.capsOps);
  },
  (d) => {
    if (d.spec.noNewPrivs) need(d, 'no-new-privs', 'nonewprivs');
  },
];

function sessionOps(d: Draft): void {
  if (d.spec.onConsole) {
    need(d, 'console', 'console', 'consolemask', d.spec.unmaskIntr ? '1' : '0');
  } else if (d.spec.newSession) {
    d.ops.push('setsid');
  }
}

function logFileOps(d: Draft): void {
  const out = d.spec.output;
  if (out.kind !== 'file') return;
  const mode = (out.permissions & 0o7777).toString(8);
  const owner = [String(out.uid ?? -1), String(out.gid ?? -1)];
  need(d, 'log file', 'logfile', out.path, mode, ...owner, d.outputFds.join(''));
}

function rlimitOps(d: Draft): void {
  const rl = d.spec.rlimits;
  if (!rl) return;
  const limits = [
    ['nofile', rl.nofile],
    ['core', rl.core],
    ['data', rl.data],
    ['as', rl.addrspace],
  ] as const;
  for (const [name, pair] of limits) {
    if (!pair || (pair.soft === undefined && pair.hard === undefined)) continue;
    need(d, 'rlimits', 'rlimit', name, rlimitValue(pair.soft), rlimitValue(pair.hard));
  }
}

function rlimitValue(v: number | undefined): string {
  if (v === undefined) return '-';
  return v < 0 ? 'inf' : String(v);
}

/** Joining a cgroup (Linux) and attaching to a jail (FreeBSD), where the platform offers them. */
function platformOps(d: Draft): void {
  const { spec, inputs } = d;
  if (spec.cgroup) {
    const procs = inputs.cgroupProcsPath;
    if (!procs) throw lacking(spec, 'cgroups are not available', ExecStage.ENTER_CGROUP);
    need(d, 'cgroup', 'cgroup', procs);
  }
  if (spec.jail !== undefined) {
    if (!inputs.jailSupported) throw lacking(spec, 'jails are not supported', ExecStage.SET_UIDGID);
    need(d, 'jail', 'jail', spec.jail);
  }
}

function runAsOps(d: Draft): void {
  const { spec } = d;
  if (spec.clearSupplementaryGroups) need(d, 'run-as', 'setgroups0');
  if (spec.gid !== undefined) need(d, 'run-as', 'setgid', String(spec.gid));
  if (spec.initgroupsUser !== undefined) {
    if (spec.gid === undefined) {
      throw new LaunchError(
        `${spec.serviceName}: initgroups needs the user's group id`,
        ExecStage.SET_UIDGID,
      );
    }
    need(d, 'run-as', 'initgroups', spec.initgroupsUser, String(spec.gid));
  }
  // With capabilities, keep the permitted set across setuid (as libcap's cap_setuid does).
  if (spec.uid !== undefined) {
    need(d, 'run-as', ...(d.wantsCaps ? ['keepcaps'] : []), 'setuid', String(spec.uid));
  }
}
