// dinitctl tree: the dependency tree of a service, or its dependents (dinit-ts extension).

import type { CommandRun } from '../src/cli/command';
import { loadGraph } from '../src/cli/explain/graph';
import { treeNodes, treeText } from '../src/cli/explain/tree';
import { jsonText } from '../src/cli/json';

const run: CommandRun = async (ctx) => {
  const g = await loadGraph(ctx);
  const name = ctx.cl.args[0];
  if (g.get(name) === undefined) {
    ctx.err(`dinitctl: service not loaded: ${name}\n`);
    return 1;
  }
  if (ctx.cl.json) ctx.out(jsonText(treeNodes(g, name, ctx.cl.reverse)));
  else ctx.out(treeText(g, name, ctx.cl.reverse));
  return 0;
};
export default run;
