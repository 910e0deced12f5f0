// dinitctl reload: re-read a service description (a service not yet loaded is simply loaded).

import { CommandSpec, SERVICE_ARG } from '../src/cli/command';
import { loadService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'reload',
  summary: 'Reload the description of a service from its file',
  usage: 'reload <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  async run(ctx) {
    const name = ctx.cl.args[0];
    const port = await ctx.connect();
    const r = await port.loadService(name, true);
    if (r.kind === 'noservice') {
      if ((await loadService(ctx, port, name)) === undefined) return 1;
    } else {
      const s = await loadService(ctx, port, name, { reply: r });
      if (s === undefined) return 1;
      if ((await port.reload(s.handle)) === 'nak') {
        ctx.err(
          'dinitctl: could not reload service; service in wrong state, incompatible change, or bad service description.\n',
        );
        return 1;
      }
    }
    if (ctx.verbose) ctx.out(`Service '${name}' reloaded.\n`);
    return 0;
  },
};
export default spec;
