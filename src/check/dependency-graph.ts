// dinit-check's view of the loaded services as a graph: the record kept per service, the
// dependency depth by topological layering, and the search for one dependency cycle.

import type { DependencyType, ServiceType } from '../model';
import type { LogType } from '../config/types';

/** Upstream's maximum dependency depth. */
export const MAX_DEP_DEPTH = 32;

/** An edge of the graph: a dependency, or an ordering link merged in for the cycle check. */
export interface CheckDep {
  name: string;
  type: DependencyType | 'before' | 'after';
}

/** What the checker keeps of one loaded service. */
export interface CheckRecord {
  name: string;
  type: ServiceType;
  chainTo?: string;
  deps: CheckDep[];
  before: string[];
  after: string[];
  consumerOf?: string;
  logType: LogType;
  depDepth: number;
  /** Kahn's algorithm: hard links into this service not yet removed. */
  topologyIndex: number;
  visited: boolean;
  cycleFree: boolean;
}

/** A position in the depth-first walk: a service and the index of the dependency followed. */
export interface ChainLink {
  rec: CheckRecord;
  index: number;
}

const isOrdering = (t: CheckDep['type']): boolean => t === 'before' || t === 'after';

/**
 * Sets each service's dependency depth by topological layering (Kahn's algorithm over hard
 * links, ordering links left out) and warns about every service deeper than MAX_DEP_DEPTH.
 * `sortedNames` fixes the order, and with it the order of the warnings.
 */
export function assignDepths(
  sortedNames: string[],
  find: (name: string) => CheckRecord | undefined,
  warn: (text: string) => void,
): void {
  const hardLinks = (rec: CheckRecord): CheckRecord[] =>
    rec.deps.flatMap((dep) => (isOrdering(dep.type) ? [] : (find(dep.name) ?? [])));
  for (const n of sortedNames) {
    const rec = find(n);
    if (rec) for (const to of hardLinks(rec)) to.topologyIndex++;
  }
  let depth = 0;
  let current: CheckRecord[] = [];
  for (const n of sortedNames) {
    const rec = find(n);
    if (rec && rec.topologyIndex === 0) {
      rec.depDepth = depth;
      current.push(rec);
    }
  }
  while (current.length > 0) {
    const next: CheckRecord[] = [];
    depth++;
    for (const to of current.flatMap(hardLinks)) {
      if (--to.topologyIndex !== 0) continue;
      to.depDepth = depth;
      if (depth > MAX_DEP_DEPTH) {
        warn(`Service '${to.name}' exceeds maximum allowed dependency depth (${MAX_DEP_DEPTH}).\n`);
      }
      next.push(to);
    }
    current = next;
  }
}

/**
 * Walks depth-first (iteratively) from each root in turn and returns the first dependency
 * cycle found, as the chain of links from its first service; empty when there is none.
 */
export function findCycle(
  roots: Array<CheckRecord | undefined>,
  find: (name: string) => CheckRecord | undefined,
): ChainLink[] {
  const chain: ChainLink[] = [];
  for (const root of roots) {
    if (!root || root.visited) continue;
    chain.push({ rec: root, index: 0 });
    for (;;) {
      const n = chain.length - 1;
      const last = chain[n];
      if (last.index >= last.rec.deps.length) {
        last.rec.cycleFree = true;
        chain.pop();
        if (n === 0) break;
        chain[n - 1].index++;
        continue;
      }
      const nextRec = find(last.rec.deps[last.index].name);
      if (!nextRec || (nextRec.visited && nextRec.cycleFree)) {
        last.index++;
        continue;
      }
      if (nextRec.visited) return chain.slice(chain.findIndex((c) => c.rec === nextRec));
      nextRec.visited = true;
      chain.push({ rec: nextRec, index: 0 });
    }
  }
  return chain;
}

/** The cycle report, in upstream's words. */
export function formatCycle(chain: ChainLink[]): string {
  let text = 'Found dependency cycle:\n';
  for (const link of chain) {
    const dep = link.rec.deps[link.index];
    text += `    ${link.rec.name} ->`;
    if (dep.type === 'before') text += " (via 'before')";
    if (dep.type === 'after') text += " (via 'after')";
    text += '\n';
  }
  return text + `    ${chain[0].rec.name}.\n`;
}
