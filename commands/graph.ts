// dinitctl graph: the whole loaded graph as dot or SVG (dinit-ts extension).

import type { CommandRun } from '../src/cli/command';
import { loadGraph } from '../src/cli/explain/graph';
import { dotText, graphSvg } from '../src/cli/explain/picture';
import { UsageError } from '../src/errors';

const run: CommandRun = async (ctx) => {
  const format = ctx.cl.format ?? 'dot';
  if (format !== 'dot' && format !== 'svg') {
    throw new UsageError(`unknown graph format: ${format} (dot or svg)`, false);
  }
  const g = await loadGraph(ctx);
  ctx.out(format === 'svg' ? graphSvg(g) : dotText(g));
  return 0;
};
export default run;
