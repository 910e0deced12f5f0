// dinitctl unpin: remove a start or stop pin.

import { CommandSpec, SERVICE_ARG } from '../src/cli/command';
import { loadService } from '../src/cli/ops';
import { CliError } from '../src/errors';

const spec: CommandSpec = {
  id: 'unpin',
  summary: 'Remove the start/stop pin of a service (it may then start or stop)',
  usage: 'unpin <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  async run(ctx) {
    const name = ctx.cl.args[0];
    const port = await ctx.connect();
    const s = await loadService(ctx, port, name);
    if (s === undefined) return 1;
    if ((await port.unpin(s.handle)) !== 'ack') throw new CliError('EPROTO', 'protocol error.');
    if (ctx.verbose) ctx.out(`Service '${name}' unpinned.\n`);
    return 0;
  },
};
export default spec;
