// The cgroup v2 counters of a process's cgroup: where cgroup2 is mounted (from mountinfo, never
// assumed), which cgroup a process is in (/proc/<pid>/cgroup), and memory.current, cpu.stat's
// usage_usec and pids.current there. Linux only; elsewhere every answer is "unknown".

import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a cgroup's files say; a counter whose file is missing (controller off) is undefined. */
export interface CgroupCounters {
  /** The cgroup's path under the cgroup2 mount ("/system/web"). */
  path: string;
  memoryBytes?: number;
  cpuUsec?: number;
  pids?: number;
}

/** A file's text, or undefined when it cannot be read. */
function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The cgroup2 mount point named in a mountinfo text, or undefined. */
export function cgroup2MountIn(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.split(' ')[0] === 'cgroup2') return pre.split(' ')[4]?.replace(/\\040/g, ' ');
  }
  return undefined;
}

/** The unified (cgroup v2) path in a /proc/<pid>/cgroup text ("0::/path"), or undefined. */
export function unifiedPathIn(cgroupFile: string): string | undefined {
  const line = cgroupFile.split('\n').find((l) => l.startsWith('0::'));
  return line === undefined ? undefined : line.slice(3);
}

/** The cgroup v2 path of process `pid`, or undefined (no such process, no cgroup2). */
export function cgroupOf(pid: number): string | undefined {
  const text = readText(`/proc/${pid}/cgroup`);
  return text === undefined ? undefined : unifiedPathIn(text);
}

let mountPoint: string | null | undefined;

/** Where cgroup2 is mounted in our mount namespace (looked up once), or undefined. */
export function cgroup2Mount(): string | undefined {
  if (mountPoint === undefined) {
    const info = readText('/proc/self/mountinfo');
    mountPoint = (info === undefined ? undefined : cgroup2MountIn(info)) ?? null;
  }
  return mountPoint ?? undefined;
}

/** A number from a one-number counter file ("max" and missing files give undefined). */
function counter(file: string): number | undefined {
  const text = readText(file)?.trim();
  return text === undefined || text === '' || Number.isNaN(Number(text)) ? undefined : Number(text);
}

/** usage_usec from a cpu.stat text, or undefined. */
export function cpuUsecIn(cpuStat: string): number | undefined {
  const m = /^usage_usec (\d+)$/m.exec(cpuStat);
  return m === null ? undefined : Number(m[1]);
}

/** The counters of cgroup `cgPath` (a path under the cgroup2 mount), or undefined. */
export function readCgroup(cgPath: string): CgroupCounters | undefined {
  const mount = cgroup2Mount();
  if (mount === undefined) return undefined;
  const dir = path.join(mount, cgPath);
  const cpuStat = readText(path.join(dir, 'cpu.stat'));
  if (cpuStat === undefined && !fs.existsSync(dir)) return undefined;
  return {
    path: cgPath,
    memoryBytes: counter(path.join(dir, 'memory.current')),
    cpuUsec: cpuStat === undefined ? undefined : cpuUsecIn(cpuStat),
    pids: counter(path.join(dir, 'pids.current')),
  };
}
