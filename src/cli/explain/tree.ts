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

/** "name STATE" for a node; a name that is not loaded says so. */
function label(g: Graph, name: string): string {
  const s = g.get(name);
  return s === undefined ? `${name} (not loaded)` : `${name} ${stateLabel(s)}`;
}

/**
 * The tree of `root` (with its newline): one line per node, drawn with box characters. A
 * service already shown on the path above is not expanded again.
 */
export function treeText(g: Graph, root: string, reverse: boolean): string {
  const lines = [label(g, root)];
  const walk = (name: string, prefix: string, path: string[]): void => {
    const kids = childrenOf(g, name, reverse);
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      const again = path.includes(c.name) ? ' (...)' : '';
      lines.push(
        `${prefix}${last ? '└─' : '├─'} ${DEP_WORDS[c.type]}: ${label(g, c.name)}${again}`,
      );
      if (again === '') walk(c.name, `${prefix}${last ? '   ' : '│  '}`, [...path, c.name]);
    });
  };
  walk(root, '', [root]);
  return `${lines.join('\n')}\n`;
}
