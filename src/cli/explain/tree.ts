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
  /** Already shown above (expanded where it first appears), so not expanded again. */
  repeated?: true;
  children: TreeNode[];
}

/**
 * The tree of `root`: its dependencies (or dependents, reversed), each with its state and the
 * kind of the link that leads to it. A service is expanded where it first appears (in the order
 * shown); later appearances, and a cycle back to it, are marked repeated and not expanded again,
 * so a layered graph gives a tree as large as the graph, not one line per path.
 */
export function treeNodes(g: Graph, root: string, reverse: boolean): TreeNode {
  const make = (name: string, link?: DependencyType): TreeNode => {
    const s = g.get(name);
    const n: TreeNode = { name, state: s === undefined ? null : stateLabel(s), children: [] };
    if (link !== undefined) n.link = DEP_WORDS[link];
    return n;
  };
  const top = make(root);
  const shown = new Set<string>();
  // Depth first in display order, with an explicit stack, not recursion: a long dependency
  // chain must not exhaust the call stack.
  const stack: TreeNode[] = [top];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (shown.has(node.name)) {
      node.repeated = true;
      continue;
    }
    shown.add(node.name);
    node.children = childrenOf(g, node.name, reverse).map((c) => make(c.name, c.type));
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return top;
}

/** "name STATE" for a node; a name that is not loaded says so. */
function label(n: TreeNode): string {
  return n.state === null ? `${n.name} (not loaded)` : `${n.name} ${n.state}`;
}

/** The tree of `root` as text (with its newline): one line per node, drawn with box characters. */
export function treeText(g: Graph, root: string, reverse: boolean): string {
  const top = treeNodes(g, root, reverse);
  const lines = [label(top)];
  // Depth first in display order, with an explicit stack (children pushed last first).
  const stack: Array<{ node: TreeNode; prefix: string; last: boolean }> = [];
  const pushChildren = (n: TreeNode, prefix: string): void => {
    for (let i = n.children.length - 1; i >= 0; i--)
      stack.push({ node: n.children[i], prefix, last: i === n.children.length - 1 });
  };
  pushChildren(top, '');
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, prefix, last } = item;
    const again = node.repeated ? ' (...)' : '';
    lines.push(`${prefix}${last ? '└─' : '├─'} ${node.link ?? ''}: ${label(node)}${again}`);
    pushChildren(node, `${prefix}${last ? '   ' : '│  '}`);
  }
  return `${lines.join('\n')}\n`;
}
