// dinitctl unpin: remove a start or stop pin.

import type { CommandRun } from '../src/cli/command';
import { connectAndLoad } from '../src/cli/ops';

const run: CommandRun = async (ctx) => {
  const name = ctx.cl.args[0];
  const s = await connectAndLoad(ctx, name);
  if (s === undefined) return 1;
  await s.port.unpin(s.handle);
  if (ctx.verbose) ctx.out(`Service '${name}' unpinned.\n`);
  return 0;
};
export default run;
