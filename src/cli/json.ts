// dinitctl's --json output (a dinit-ts extension): one shape of a service as JSON, and how each
// query prints. The shapes are written down in schemas/dinitctl.schema.json; tests check that
// every output validates against it.

import type { StatusInfo } from '../protocol/status';
import type { ServiceStats } from '../stats/sampler';
import type { ServiceState, StoppedReason } from '../model';
import { lastExit, stoppedWithFailure } from './format';
import { jsonOutput } from '../bytes';

/** A loaded service as --json prints it (schema: #/$defs/service). */
export interface ServiceJson {
  name: string;
  loaded: true;
  state: ServiceState;
  target: ServiceState;
  /** Marked active (started explicitly), not only required by dependents. */
  explicit: boolean;
  pid: number | null;
  stopReason: StoppedReason;
  /** Stopped after a failure (list's X). */
  failed: boolean;
  startSkipped: boolean;
  console: 'holding' | 'waiting' | null;
  exit: { status: number } | { signal: number } | null;
  stats?: ServiceStats;
}

/** The JSON shape of a loaded service's status. */
export function serviceJson(name: string, st: StatusInfo, stats?: ServiceStats): ServiceJson {
  return {
    name,
    loaded: true,
    state: st.state,
    target: st.targetState,
    explicit: st.markedActive,
    pid: st.hasPid ? st.word1 : null,
    stopReason: st.stopReason,
    failed: st.state === 'stopped' && stoppedWithFailure(st),
    startSkipped: st.startSkipped,
    console: st.hasConsole ? 'holding' : st.waitingForConsole ? 'waiting' : null,
    exit: lastExit(st) ?? null,
    ...(stats !== undefined ? { stats } : {}),
  };
}

/** A service that is installed (has a description file) but not loaded. */
export function unloadedJson(name: string): { name: string; loaded: false } {
  return { name, loaded: false };
}

/**
 * One JSON document and a newline, always valid UTF-8: names and other byte strings that are
 * not UTF-8 show each such byte as the escape \udcXX (src/bytes.ts, jsonOutput).
 */
export function jsonText(value: unknown): string {
  return jsonOutput(JSON.stringify(value)) + '\n';
}
