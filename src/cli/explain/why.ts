// `dinitctl why SVC`: why a service is in its state, as text: its activation (explicit, or the
// chains of dependents up to the root), its process and last exit, restarts, timing, and the
// last lines of its log.

import type { ServiceExplanation, StoppedReason } from '../../model';
import { DEP_WORDS, type ChainStep, type Graph, seconds, stateLabel } from './graph';

/** How each stop reason reads after "Stopped: ". */
const STOP_WORDS: Readonly<Record<StoppedReason, string>> = {
  normal: 'stopped normally (not required, or stopped by request)',
  deprestart: 'a dependency restarted',
  depfailed: 'a dependency failed to start or stopped',
  failed: 'its start failed (its process or start command ended before it was ready)',
  execfailed: 'its command could not be executed',
  timedout: 'its start timed out',
  terminated: 'its process terminated',
};

/** "boot [explicit] -depends-on-> web" for one activation chain. */
function chainLine(chain: ChainStep[], g: Graph): string {
  return chain
    .map((step, i) => {
      const mark = i === 0 && g.get(step.name)?.markedActive ? ' [started explicitly]' : '';
      const arrow = step.via !== undefined ? ` -${DEP_WORDS[step.via]}-> ` : '';
      return `${step.name}${mark}${arrow}`;
    })
    .join('');
}

/** The activation lines: explicit mark, holders, or nothing requiring it. */
function activationLines(g: Graph, s: ServiceExplanation): string[] {
  const lines: string[] = [];
  if (s.markedActive)
    lines.push('Activation: started explicitly (dinitctl start, or the boot service)');
  const chains = g.activationChains(s.name);
  if (chains.length > 0) {
    lines.push(
      `Required by: ${s.requiredBy - (s.markedActive ? 1 : 0)} dependent(s); chains to the root:`,
    );
    for (const c of chains) lines.push(`  ${chainLine(c, g)}`);
  }
  if (lines.length === 0)
    lines.push('Activation: not required (no explicit start, no dependent holds it)');
  return lines;
}

/** The exit status words: "exited with status N" or "killed by signal N". */
function exitWords(s: ServiceExplanation): string {
  const e = s.exitStatus;
  if (e === undefined) return 'none recorded';
  if (e.kind === 'exited') return `exited with status ${e.code}`;
  return `killed by signal ${e.signal}${e.coreDumped ? ' (core dumped)' : ''}`;
}

/** Process, last exit, restarts and timing lines. */
function processLines(snapNow: number, since: number, s: ServiceExplanation): string[] {
  const lines: string[] = [];
  if (s.pid > 0) lines.push(`Process: pid ${s.pid}`);
  if (s.notifyStatus !== undefined) lines.push(`Status (sd_notify): ${s.notifyStatus}`);
  lines.push(`Last exit: ${exitWords(s)}`);
  if (s.state === 'stopped' && s.times.stopped !== undefined)
    lines.push(`Stopped: ${STOP_WORDS[s.stopReason]}`);
  lines.push(`Restarts: ${s.restarts}`);
  const t = s.times;
  if (t.started !== undefined && s.state === 'started') {
    const took =
      t.launched !== undefined ? `, its own start took ${seconds(t.started - t.launched)}` : '';
    lines.push(
      `Started: ${seconds(t.started - since)} after the daemon began${took}; up ${seconds(snapNow - t.started)}`,
    );
  }
  return lines;
}

/**
 * The whole explanation of service `name` (with its newline); `log` is the end of its output
 * when known.
 */
export function whyText(g: Graph, s: ServiceExplanation, log: string | undefined): string {
  const lines = [
    `${s.name}: ${stateLabel(s)}${s.targetState !== s.state && s.state !== 'stopped' ? ` (going to ${s.targetState.toUpperCase()})` : ''}`,
  ];
  lines.push(...activationLines(g, s).map((l) => `  ${l}`));
  lines.push(...processLines(g.snap.now, g.snap.since, s).map((l) => `  ${l}`));
  if (log !== undefined) {
    const last = log
      .split('\n')
      .filter((l) => l !== '')
      .slice(-10);
    lines.push(last.length > 0 ? '  Last log lines:' : '  Log: empty');
    for (const l of last) lines.push(`    ${l}`);
  }
  return `${lines.join('\n')}\n`;
}
