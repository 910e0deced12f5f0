// dinitctl shutdown: ask the daemon to stop all services and exit; wait for it to close.

import { CommandSpec } from '../src/cli/command';
import { CliError } from '../src/errors';

/** shutdown_type_t HALT: what `dinitctl shutdown` requests. */
const HALT = 2;

const spec: CommandSpec = {
  id: 'shutdown',
  summary: 'Stop all services and end the daemon (halt, for a system daemon)',
  usage: 'shutdown',
  args: [],
  flags: [],
  async run(ctx) {
    const port = await ctx.connect();
    if ((await port.shutdown(HALT)) !== 'ack')
      throw new CliError('EPROTO', 'control socket protocol error');
    if (ctx.verbose) ctx.out('Shutting down dinit...\n');
    await port.waitClosed();
    if (ctx.verbose) ctx.out('Connection closed.\n');
    return 0;
  },
};
export default spec;
