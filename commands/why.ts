// dinitctl why: explain why a service is in its state (dinit-ts extension).

import * as fs from 'node:fs';
import type { CommandRun } from '../src/cli/command';
import type { ServiceExplanation } from '../src/model';
import { loadGraph } from '../src/cli/explain/graph';
import { whyText } from '../src/cli/explain/why';
import { whyJson } from '../src/cli/explain/json';
import { loadService } from '../src/cli/ops';
import type { CtlPort } from '../src/cli/port';
import type { CommandContext } from '../src/cli/command';
import { toBytes } from '../src/bytes';
import { jsonText } from '../src/cli/json';

/** The end of the service's output: its log buffer, or its log file when we may read it. */
async function lastLog(
  ctx: CommandContext,
  port: CtlPort,
  s: ServiceExplanation,
): Promise<string | undefined> {
  if (s.logType === 'buffer') {
    const h = await loadService(ctx, port, s.name, { findOnly: true, writeError: false });
    const log = h && (await port.catLog(h.handle, false));
    return log ? log.toString('latin1') : undefined;
  }
  if (s.logType !== 'file' || s.logFile === undefined) return undefined;
  try {
    const text = fs.readFileSync(toBytes(s.logFile), 'latin1');
    return text.slice(-8192);
  } catch {
    return undefined;
  }
}

const run: CommandRun = async (ctx) => {
  const g = await loadGraph(ctx);
  const s = g.get(ctx.cl.args[0]);
  if (s === undefined) {
    ctx.err(`dinitctl: service not loaded: ${ctx.cl.args[0]}\n`);
    return 1;
  }
  const log = await lastLog(ctx, await ctx.connect(), s);
  ctx.out(ctx.cl.json ? jsonText(whyJson(g, s, log)) : whyText(g, s, log));
  return 0;
};
export default run;
