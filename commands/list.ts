// dinitctl list: one line per loaded service with its state markers.

import type { CommandRun } from '../src/cli/command';
import { listLine } from '../src/cli/format';

const run: CommandRun = async (ctx) => {
  const port = await ctx.connect();
  const services = await port.listServices();
  // Output does not depend on --quiet, as upstream.
  ctx.out(services.map((s) => listLine(s.name, s.status)).join(''));
  return 0;
};
export default run;
