// The --stats figures as dinitctl prints them (a dinit-ts extension): measuring the running
// services' processes through src/stats, and the words for bytes, durations and percentages.

import type { StatusInfo } from '../protocol/status';
import type { ServiceStats } from '../stats/sampler';

/** "512 B", "12.3 KiB", "1.5 GiB". */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** "45s", "3m 05s", "2h 04m", "6d 03h". */
export function humanDuration(seconds: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor(seconds / 3600) % 24, 'h'],
    [Math.floor(seconds / 60) % 60, 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first === -1 || first === 3) return `${seconds % 60}s`;
  const [a, b] = [parts[first], parts[first + 1]];
  return `${a[0]}${a[1]} ${String(b[0]).padStart(2, '0')}${b[1]}`;
}

/** The lines `status --stats` adds after the status block. */
export function statsLines(s: ServiceStats): string {
  return (
    `    CPU: ${s.cpuPercent.toFixed(1)}%\n` +
    `    Memory: ${humanBytes(s.memoryBytes)}\n` +
    `    Processes: ${s.processes}\n` +
    `    Uptime: ${humanDuration(s.uptimeSeconds)}\n` +
    (s.cgroup !== undefined ? `    Cgroup: ${s.cgroup}\n` : '')
  );
}

/** What `list --stats` adds to the line of a running service. */
export function statsSuffix(s: ServiceStats): string {
  return (
    ` [cpu ${s.cpuPercent.toFixed(1)}%, mem ${humanBytes(s.memoryBytes)}, ` +
    `procs ${s.processes}, up ${humanDuration(s.uptimeSeconds)}]`
  );
}

/** The process of a service that has one running, else undefined. */
export function runningPid(st: StatusInfo): number | undefined {
  return st.hasPid && st.state !== 'stopped' ? st.word1 : undefined;
}

/**
 * Measure the processes of the given statuses (two samples a moment apart, so that CPU % is
 * current); returns the figures by pid. Loads src/stats only when called.
 */
export async function measureStats(statuses: StatusInfo[]): Promise<Map<number, ServiceStats>> {
  const pids = statuses.map(runningPid).filter((p): p is number => p !== undefined);
  if (pids.length === 0) return new Map();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StatsSampler } = require('../stats/sampler') as typeof import('../stats/sampler');
  const sampler = new StatsSampler();
  try {
    return await sampler.measure(pids);
  } finally {
    sampler.close();
  }
}
