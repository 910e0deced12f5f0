// The process tree from /proc: each process's parent, so that a service's figures can cover
// the processes its main process started. Linux (and anything else with a Linux-style /proc);
// elsewhere the tree is just the process itself.

import * as fs from 'node:fs';

/** The parent pid in a /proc/<pid>/stat text (the field after the command in parentheses). */
export function parentIn(stat: string): number | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(rest[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The parent of `pid`, or undefined when there is no such process (or no /proc). */
export function parentOf(pid: number): number | undefined {
  try {
    return parentIn(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Children by parent pid, from one pass over /proc (empty without /proc). */
export function childrenMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return children;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const ppid = parentOf(Number(e));
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [Number(e)]);
    else list.push(Number(e));
  }
  return children;
}

/** `pid` and all its descendants, in the tree given by `children`. */
export function treeOf(pid: number, children: Map<number, number[]>): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}
