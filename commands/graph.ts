// dinitctl graph: the whole loaded graph as dot, SVG or JSON (dinit-ts extension).

import type { CommandRun } from '../src/cli/command';
import { loadGraph } from '../src/cli/explain/graph';
import { dotText, graphSvg } from '../src/cli/explain/picture';
import { graphJson } from '../src/cli/explain/json';
import { UsageError } from '../src/errors';
import { jsonText } from '../src/cli/json';

const run: CommandRun = async (ctx) => {
  const format = ctx.cl.format ?? 'dot';
  if (format !== 'dot' && format !== 'svg' && format !== 'json') {
    throw new UsageError(`unknown graph format: ${format} (dot, svg or json)`, false);
  }
  const g = await loadGraph(ctx);
  if (format === 'json') ctx.out(jsonText(graphJson(g)));
  else ctx.out(format === 'svg' ? graphSvg(g) : dotText(g));
  return 0;
};
export default run;
