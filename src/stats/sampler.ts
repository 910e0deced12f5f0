// Resource figures of running services, for `dinitctl status --stats`, `list --stats` and `top`:
// CPU %, memory, process count and uptime. Where a service has its own cgroup (it is in a
// different cgroup from the daemon that started it), the cgroup v2 counters cover every process
// in it; otherwise the figures add up the main process and its descendants, read by pidusage.

import { cgroupOf, readCgroup, type CgroupCounters } from './cgroup';
import { childrenMap, parentOf, treeOf } from './proc-tree';

/** The figures of one service's process (JSON field names of `--stats`). */
export interface ServiceStats {
  pid: number;
  /** CPU use over the last sampling interval, in percent of one CPU (may exceed 100). */
  cpuPercent: number;
  /** Resident memory in bytes (memory.current for a cgroup). */
  memoryBytes: number;
  processes: number;
  /** Seconds since the main process started. */
  uptimeSeconds: number;
  /** The service's own cgroup, when the figures come from its counters. */
  cgroup?: string;
}

interface PidUsage {
  /** Cumulative CPU time in ms. */
  ctime: number;
  /** RSS in bytes. */
  memory: number;
  /** ms since the process started. */
  elapsed: number;
}
type PidUsageFn = ((pids: number[]) => Promise<Record<string, PidUsage | undefined>>) & {
  clear(): void;
};

/** pidusage, loaded on first use (only the --stats paths need it). */
function pidusage(): PidUsageFn {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pidusage') as PidUsageFn;
}

/** The cgroup of `pid` when it is the service's own (not its parent's, not the root). */
function ownCgroup(pid: number): CgroupCounters | undefined {
  const cg = cgroupOf(pid);
  const ppid = parentOf(pid);
  if (cg === undefined || cg === '/' || ppid === undefined || cgroupOf(ppid) === cg) {
    return undefined;
  }
  return readCgroup(cg);
}

/** Figures of a process tree from pidusage's answers (missing processes count as gone). */
function treeFigures(tree: number[], usage: Record<string, PidUsage | undefined>) {
  let cpuMs = 0;
  let memory = 0;
  let count = 0;
  for (const p of tree) {
    const u = usage[p];
    if (u === undefined) continue;
    cpuMs += u.ctime;
    memory += u.memory;
    count++;
  }
  return { cpuMs, memory, count, elapsed: usage[tree[0]]?.elapsed ?? 0 };
}

/** pidusage for each pid on its own, so that one process gone does not fail them all. */
async function usageOf(pids: number[]): Promise<Record<string, PidUsage | undefined>> {
  const out: Record<string, PidUsage | undefined> = {};
  await Promise.all(
    pids.map(async (p) => {
      try {
        out[p] = (await pidusage()([p]))[p];
      } catch {
        out[p] = undefined;
      }
    }),
  );
  return out;
}

/**
 * Samples services' processes; CPU % is the CPU time used between two samples over the wall
 * time between them, so the first sample of a pid reads 0 and `measure` takes two.
 */
export class StatsSampler {
  /** Per main pid: CPU time (µs) and wall time (ms) at the previous sample. */
  private readonly last = new Map<number, { cpuUsec: number; at: number }>();

  /** The figures of each main pid (a pid whose process is gone is left out). */
  async sample(pids: readonly number[]): Promise<Map<number, ServiceStats>> {
    const children = childrenMap();
    const trees = new Map(pids.map((p) => [p, treeOf(p, children)]));
    const usage = await usageOf([...new Set([...trees.values()].flat())]);
    const now = Date.now();
    const out = new Map<number, ServiceStats>();
    for (const [pid, tree] of trees) {
      if (usage[pid] === undefined) continue;
      const t = treeFigures(tree, usage);
      const cg = ownCgroup(pid);
      const cpuUsec = cg?.cpuUsec ?? t.cpuMs * 1000;
      const prev = this.last.get(pid);
      this.last.set(pid, { cpuUsec, at: now });
      const dt = prev === undefined ? 0 : now - prev.at;
      const cpu = dt > 0 ? Math.max(0, (cpuUsec - (prev?.cpuUsec ?? 0)) / (dt * 10)) : 0;
      out.set(pid, {
        pid,
        cpuPercent: Math.round(cpu * 10) / 10,
        memoryBytes: cg?.memoryBytes ?? t.memory,
        processes: cg?.pids ?? t.count,
        uptimeSeconds: Math.floor(t.elapsed / 1000),
        ...(cg !== undefined ? { cgroup: cg.path } : {}),
      });
    }
    return out;
  }

  /** Two samples `intervalMs` apart: figures with a meaningful CPU %. */
  async measure(pids: readonly number[], intervalMs = 250): Promise<Map<number, ServiceStats>> {
    await this.sample(pids);
    await new Promise((r) => setTimeout(r, intervalMs));
    return this.sample(pids);
  }

  /** Let pidusage forget its history (it keeps files open between samples). */
  close(): void {
    pidusage().clear();
  }
}
