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
  env: Record<string, string>;
  /** Why the exec helper is needed; empty when child_process.spawn can do it alone. */
  helperReasons: string[];
  /** Helper instructions (without the leading status fd and trailing "-- argv"). */
  helperOps: string[];
  /** Run in a new session (only used when launching without the helper). */
  detached: boolean;
  /** The child fd that carries the readiness pipe, if any. */
  readinessFd?: number;
}

const IOPRIO_CLASSES = { none: 0, realtime: 1, 'best-effort': 2, idle: 3 } as const;

function rlimitValue(v: number | undefined): string {
  if (v === undefined) return '-';
  return v < 0 ? 'inf' : String(v);
}

/**
 * Builds the launch plan for a spec. Throws LaunchError (code 'ELAUNCH') for what is not
 * supported yet (capabilities, securebits) or for conflicting fd requests.
 */
export function planLaunch(spec: ProcessSpec, inputs: PlanInputs): LaunchPlan {
  if (spec.argv.length === 0 || spec.argv[0] === '') {
    throw new LaunchError(`${spec.serviceName}: no command to execute`, ExecStage.DO_EXEC);
  }
  const wantsCaps = Boolean(spec.capabilities || spec.securebits);
  if (wantsCaps && !inputs.capsOps) {
    throw new LaunchError(
      `${spec.serviceName}: capabilities and securebits are not supported on this system`,
      ExecStage.SET_CAPS,
    );
  }
  const env: Record<string, string> = { ...spec.env };
  const reasons: string[] = [];
  const ops: string[] = [];
  const fds = new Map<number, StdioSource>();

  // fd 0.
  if (spec.stdin.kind === 'pipe') {
    if (inputs.stdinFd === undefined)
      throw new LaunchError('stdin pipe has no fd', ExecStage.ARRANGE_FDS);
    fds.set(0, inputs.stdinFd);
  } else {
    fds.set(0, spec.stdin.kind === 'inherit' ? 'inherit' : 'ignore');
  }

  // The activation socket always lands at fd 3; other extra fds go above it.
  if (spec.activationSocket) {
    if (inputs.activationFd === undefined) {
      throw new LaunchError('activation socket has no fd', ExecStage.SETUP_ACTIVATION_SOCKET);
    }
    fds.set(3, inputs.activationFd);
    env.LISTEN_FDS = '1';
    reasons.push('activation socket (LISTEN_PID)');
  }
  let readinessTarget: number | undefined;
  if (spec.readiness) {
    if (inputs.readinessFd === undefined)
      throw new LaunchError('readiness pipe has no fd', ExecStage.ARRANGE_FDS);
    if (spec.readiness.kind === 'pipefd') {
      readinessTarget = spec.readiness.fd;
      if (readinessTarget === 3 && spec.activationSocket) {
        throw new LaunchError(
          `${spec.serviceName}: ready-notification fd 3 conflicts with the activation socket`,
          ExecStage.ARRANGE_FDS,
        );
      }
    } else {
      readinessTarget = firstFree(fds);
      env[spec.readiness.variable] = String(readinessTarget);
    }
    fds.set(readinessTarget, inputs.readinessFd);
  }
  if (spec.passControlSocket) {
    if (inputs.controlFd === undefined) {
      throw new LaunchError(
        `${spec.serviceName}: passing the control socket (pass-cs-fd) is not supported yet`,
        ExecStage.SETUP_CONTROL_SOCKET,
      );
    }
    const target = firstFree(fds);
    fds.set(target, inputs.controlFd);
    env.DINIT_CS_FD = String(target);
  }

  // fds 1 and 2, unless the readiness fd took one of them.
  const outTargets = [1, 2].filter((fd) => fd !== readinessTarget);
  const out = spec.output;
  for (const fd of outTargets) {
    switch (out.kind) {
      case 'inherit':
        fds.set(fd, 'inherit');
        break;
      case 'null':
      case 'file': // placeholder until the helper opens the file
        fds.set(fd, 'ignore');
        break;
      case 'buffer':
      case 'pipe':
        if (inputs.outputFd === undefined)
          throw new LaunchError('output pipe has no fd', ExecStage.SETUP_STDINOUTERR);
        fds.set(fd, inputs.outputFd);
        break;
      default: {
        const never: never = out;
        throw new LaunchError(`unknown output kind ${String(never)}`, ExecStage.SETUP_STDINOUTERR);
      }
    }
  }

  // Session and console first: nothing after depends on them and they cannot fail usefully.
  if (spec.onConsole) {
    reasons.push('console');
    ops.push('console', 'consolemask', spec.unmaskIntr ? '1' : '0');
  } else if (spec.newSession) {
    ops.push('setsid');
  }
  if (spec.workingDir) ops.push('chdir', spec.workingDir);
  if (out.kind === 'file') {
    reasons.push('log file');
    ops.push(
      'logfile',
      out.path,
      (out.permissions & 0o7777).toString(8),
      String(out.uid ?? -1),
      String(out.gid ?? -1),
      outTargets.join(''),
    );
  }
  if (spec.activationSocket) ops.push('listenpid');
  const rl = spec.rlimits;
  if (rl) {
    const names = [
      ['nofile', rl.nofile],
      ['core', rl.core],
      ['data', rl.data],
      ['as', rl.addrspace],
    ] as const;
    for (const [name, pair] of names) {
      if (!pair || (pair.soft === undefined && pair.hard === undefined)) continue;
      ops.push('rlimit', name, rlimitValue(pair.soft), rlimitValue(pair.hard));
      if (!reasons.includes('rlimits')) reasons.push('rlimits');
    }
  }
  if (spec.nice !== undefined) {
    reasons.push('nice');
    ops.push('nice', String(Math.max(-20, Math.min(19, spec.nice))));
  }
  if (spec.ioprio) {
    reasons.push('ioprio');
    ops.push('ioprio', String((IOPRIO_CLASSES[spec.ioprio.class] << 13) | spec.ioprio.level));
  }
  if (spec.oomScoreAdj !== undefined) {
    reasons.push('oom-score-adj');
    ops.push('oom', String(spec.oomScoreAdj));
  }
  if (spec.cgroup) {
    if (!inputs.cgroupProcsPath) {
      throw new LaunchError(
        `${spec.serviceName}: cgroups are not available on this system`,
        ExecStage.ENTER_CGROUP,
      );
    }
    reasons.push('cgroup');
    ops.push('cgroup', inputs.cgroupProcsPath);
  }
  if (spec.jail !== undefined) {
    if (!inputs.jailSupported) {
      throw new LaunchError(
        `${spec.serviceName}: jails are not supported on this system`,
        ExecStage.SET_UIDGID,
      );
    }
    reasons.push('jail');
    ops.push('jail', spec.jail);
  }
  const changesIds =
    spec.uid !== undefined ||
    spec.gid !== undefined ||
    spec.initgroupsUser !== undefined ||
    spec.clearSupplementaryGroups === true;
  if (changesIds) {
    reasons.push('run-as');
    // Groups before the uid: once the uid is dropped the process may no longer change them.
    if (spec.clearSupplementaryGroups) ops.push('setgroups0');
    if (spec.gid !== undefined) ops.push('setgid', String(spec.gid));
    if (spec.initgroupsUser !== undefined) {
      if (spec.gid === undefined) {
        throw new LaunchError(
          `${spec.serviceName}: initgroups needs the user's group id`,
          ExecStage.SET_UIDGID,
        );
      }
      ops.push('initgroups', spec.initgroupsUser, String(spec.gid));
    }
    // With capabilities, keep the permitted set across setuid (as libcap's cap_setuid does).
    if (spec.uid !== undefined)
      ops.push(...(wantsCaps ? ['keepcaps'] : []), 'setuid', String(spec.uid));
  }
  if (wantsCaps && inputs.capsOps) {
    reasons.push('capabilities');
    ops.push(...inputs.capsOps);
  }
  if (spec.noNewPrivs) {
    reasons.push('no-new-privs');
    ops.push('nonewprivs');
  }

  const max = Math.max(...fds.keys());
  const stdio: StdioSource[] = [];
  for (let fd = 0; fd <= max; fd++) stdio.push(fds.get(fd) ?? 'ignore');
  return {
    stdio,
    env,
    helperReasons: reasons,
    helperOps: ops,
    detached: spec.newSession && !spec.onConsole,
    readinessFd: readinessTarget,
  };
}

function firstFree(fds: Map<number, StdioSource>): number {
  let fd = 3;
  while (fds.has(fd)) fd++;
  return fd;
}
