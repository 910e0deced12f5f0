// `dinitctl tree [--reverse] SVC`: the dependencies (or, reversed, the dependents) of a service
// as a tree, each node with its state and the kind of the link that leads to it.

import { DEP_WORDS, type Edge, type Graph, stateLabel } from './graph';
import type { DependencyType } from '../../model';

interface Child {
  name: string;
  type: DependencyType;
}

/** The children of `name`: its dependencies, or its dependents when reversed. */
function childrenOf(g: Graph, name: string, reverse: boolean): Child[] {
  const links: Child[] = reverse
    ? g.dependents(name).map((e: Edge) => ({ name: e.from, type: e.link.type }))
    : (g.get(name)?.dependsOn ?? []).map((l) => ({ name: l.to, type: l.type }));
  return links;
}

/** One node of the tree as --json prints it. */
export interface TreeNode {
  name: string;
  /** The state label (STARTED, FAILED, ...), or null when the service is not loaded. */
  state: string | null;
  /** The kind of link from the parent (absent at the root). */
  link?: string;
  /** Already shown on the path above, so not expanded again. */
  repeated?: true;
  children: TreeNode[];
}

/**
 * The tree of `root`: its dependencies (or dependents, reversed), each with its state and the
 * kind of the link that leads to it. A service already on the path above is not expanded again.
 */
export function treeNodes(g: Graph, root: string, reverse: boolean): TreeNode {
  const node = (name: string, path: string[], link?: DependencyType): TreeNode => {
    const s = g.get(name);
    const n: TreeNode = { name, state: s === undefined ? null : stateLabel(s), children: [] };
    if (link !== undefined) n.link = DEP_WORDS[link];
    if (path.includes(name)) n.repeated = true;
    else {
      for (const c of childrenOf(g, name, reverse))
        n.children.push(node(c.name, [...path, name], c.type));
    }
    return n;
  };
  return node(root, []);
}

/** "name STATE" for a node; a name that is not loaded says so. */
function label(n: TreeNode): string {
  return n.state === null ? `${n.name} (not loaded)` : `${n.name} ${n.state}`;
}

/** The tree of `root` as text (with its newline): one line per node, drawn with box characters. */
export function treeText(g: Graph, root: string, reverse: boolean): string {
  const top = treeNodes(g, root, reverse);
  const lines = [label(top)];
  const walk = (n: TreeNode, prefix: string): void => {
    n.children.forEach((c, i) => {
      const last = i === n.children.length - 1;
      const again = c.repeated ? ' (...)' : '';
      lines.push(`${prefix}${last ? '└─' : '├─'} ${c.link ?? ''}: ${label(c)}${again}`);
      walk(c, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(top, '');
  return `${lines.join('\n')}\n`;
}
