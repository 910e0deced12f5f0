// dinitctl shutdown: ask the daemon to stop all services and exit (halt, for a system daemon);
// wait for it to close the connection.

import type { CommandRun } from '../src/cli/command';

const run: CommandRun = async (ctx) => {
  const port = await ctx.connect();
  await port.shutdown('halt');
  if (ctx.verbose) ctx.out('Shutting down dinit...\n');
  await port.waitClosed();
  if (ctx.verbose) ctx.out('Connection closed.\n');
  return 0;
};
export default run;
