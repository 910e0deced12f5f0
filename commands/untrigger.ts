// dinitctl untrigger: clear the trigger of a triggered service.

import { CommandSpec, SERVICE_ARG } from '../src/cli/command';
import { loadService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'untrigger',
  summary: 'Reset the trigger of a triggered service',
  usage: 'untrigger <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  async run(ctx) {
    const name = ctx.cl.args[0];
    const port = await ctx.connect();
    if (port.protocolVersion < 2)
      throw Object.assign(new Error('daemon too old'), { code: 'EOLDSERVER' });
    const s = await loadService(ctx, port, name);
    if (s === undefined) return 1;
    if ((await port.setTrigger(s.handle, false)) === 'nak') {
      ctx.err("dinitctl: cannot trigger a service that is not of 'triggered' type.\n");
      return 1;
    }
    return 0;
  },
};
export default spec;
