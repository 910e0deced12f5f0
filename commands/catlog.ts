// dinitctl catlog: print the buffered output of a service with log-type = buffer.

import type { CommandRun } from '../src/cli/command';
import { jsonText } from '../src/cli/json';
import { connectAndLoad } from '../src/cli/ops';

const run: CommandRun = async (ctx) => {
  const name = ctx.cl.args[0];
  const s = await connectAndLoad(ctx, name, 2);
  if (s === undefined) return 1;
  const log = await s.port.catLog(s.handle, ctx.cl.clear);
  if (log === null) {
    ctx.err('dinitctl: cannot cat log for service not configured to buffer output.\n');
    return 1;
  }
  const complete = log.length === 0 || log[log.length - 1] === 0x0a;
  if (ctx.cl.json) {
    const lines = log.toString('latin1').split('\n');
    if (complete) lines.pop();
    ctx.out(jsonText({ name, lines, complete }));
  } else if (log.length > 0) {
    ctx.outRaw(log);
    if (!complete) ctx.out('\n(last line is truncated or incomplete)\n');
  }
  return 0;
};
export default run;
