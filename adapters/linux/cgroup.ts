// cgroup v2 helpers: find the cgroup2 mount in /proc/self/mountinfo (it may be /sys/fs/cgroup,
// or /sys/fs/cgroup/unified in hybrid mode), the daemon's own cgroup from /proc/self/cgroup,
// and resolve a service's cgroup setting against them as upstream Dinit does.

import * as path from 'node:path';

/** Decodes the octal escapes (\040 for space...) that mountinfo uses in paths. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mount point of the first cgroup2 filesystem in mountinfo text, or undefined. */
export function findCgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup2') continue;
    const fields = line.slice(0, sep).split(' ');
    if (fields.length >= 5) return unescapeMountPath(fields[4]);
  }
  return undefined;
}

/** The unified-hierarchy path in /proc/<pid>/cgroup text (the "0::" line), or undefined. */
export function ownCgroupPath(procCgroup: string): string | undefined {
  for (const line of procCgroup.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim();
  }
  return undefined;
}

/**
 * The directory of a service cgroup: absolute settings are taken from the cgroup2 root,
 * relative ones from the daemon's own cgroup. ".." never leaves the cgroup2 mount (it stops
 * at its root). Undefined when a relative path cannot be resolved (own cgroup unknown).
 */
export function resolveCgroupDir(
  mount: string,
  own: string | undefined,
  setting: string,
): string | undefined {
  let rel: string;
  if (setting.startsWith('/')) {
    rel = setting;
  } else {
    if (own === undefined) return undefined;
    rel = path.posix.join(own, setting);
  }
  const normal = path.posix.normalize('/' + rel);
  return path.posix.join(mount, normal);
}
