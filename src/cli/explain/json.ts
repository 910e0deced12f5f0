// The explanation commands' answers as JSON (--json; graph --format json), in the shapes that
// schemas/dinitctl.schema.json defines: why, tree (treeNodes), graph, blame and critical-chain.

import type { ExitStatus, ServiceExplanation } from '../../model';
import { DEP_WORDS, failed, type Graph } from './graph';

/** How a process ended, as the other --json answers write it. */
function exitJson(e: ExitStatus | undefined): { status: number } | { signal: number } | null {
  if (e === undefined) return null;
  return e.kind === 'exited' ? { status: e.code } : { signal: e.signal };
}

/** `dinitctl why --json`: the same facts as the text, with times in ms since the daemon started. */
export function whyJson(g: Graph, s: ServiceExplanation, log: string | undefined): object {
  const t = s.times;
  return {
    name: s.name,
    state: s.state,
    target: s.targetState,
    failed: s.state === 'stopped' && failed(s),
    explicit: s.markedActive,
    requiredBy: s.requiredBy - (s.markedActive ? 1 : 0),
    chains: g
      .activationChains(s.name)
      .map((c) =>
        c.map((step) =>
          step.via === undefined
            ? { name: step.name }
            : { name: step.name, via: DEP_WORDS[step.via] },
        ),
      ),
    pid: s.pid > 0 ? s.pid : null,
    ...(s.notifyStatus !== undefined ? { notifyStatus: s.notifyStatus } : {}),
    exit: exitJson(s.exitStatus),
    stopReason: s.stopReason,
    restarts: s.restarts,
    upAtMs: s.state === 'started' && t.started !== undefined ? t.started - g.snap.since : null,
    log:
      log === undefined
        ? null
        : log
            .split('\n')
            .filter((l) => l !== '')
            .slice(-10),
  };
}

/** `dinitctl graph --format json`: every loaded service with its state and its links. */
export function graphJson(g: Graph): object {
  return {
    services: g.services().map((s) => ({
      name: s.name,
      state: s.state,
      failed: s.state === 'stopped' && failed(s),
      dependsOn: s.dependsOn.map((l) => ({ to: l.to, type: DEP_WORDS[l.type] })),
    })),
  };
}
