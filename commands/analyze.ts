// dinitctl analyze: boot timing as blame, critical-chain or an SVG plot (dinit-ts extension).

import type { CommandRun } from '../src/cli/command';
import { loadGraph } from '../src/cli/explain/graph';
import {
  blameRows,
  blameText,
  criticalChain,
  criticalChainText,
  plotSvg,
} from '../src/cli/explain/analyze';
import { jsonText } from '../src/cli/json';

const run: CommandRun = async (ctx) => {
  const [what, name] = ctx.cl.args;
  const g = await loadGraph(ctx);
  if (what === 'blame') ctx.out(ctx.cl.json ? jsonText(blameRows(g)) : blameText(g));
  else if (what === 'plot') ctx.out(plotSvg(g));
  else {
    const chain = criticalChain(g, name);
    const text = ctx.cl.json ? chain && jsonText(chain) : criticalChainText(g, name);
    if (text === undefined) {
      ctx.err(`dinitctl: no start time recorded for ${name ?? 'any service'}\n`);
      return 1;
    }
    ctx.out(text);
  }
  return 0;
};
export default run;
