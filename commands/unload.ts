// dinitctl unload: forget a stopped service that nothing depends on.

import { CommandSpec, SERVICE_ARG } from '../src/cli/command';
import { loadService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'unload',
  summary: 'Unload a stopped service that no other service depends on',
  usage: 'unload <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  async run(ctx) {
    const name = ctx.cl.args[0];
    const port = await ctx.connect();
    const r = await port.loadService(name, true);
    if (r.kind === 'noservice') {
      ctx.err('dinitctl: service not loaded.\n');
      return 1;
    }
    const s = await loadService(ctx, port, name, { reply: r });
    if (s === undefined) return 1;
    if ((await port.unload(s.handle)) === 'nak') {
      ctx.err(
        'dinitctl: could not unload service; service not stopped, or is a dependency of another service.\n',
      );
      return 1;
    }
    if (ctx.verbose) ctx.out(`Service '${name}' unloaded.\n`);
    return 0;
  },
};
export default spec;
