// dinitctl add-dep: add a dependency between two loaded services (not persistent).

import { CliError, CommandSpec } from '../src/cli/command';
import { loadService } from '../src/cli/ops';

const ADD = true;

const spec: CommandSpec = {
  id: 'add-dep',
  summary: 'Add a dependency (need, milestone or waits-for) from one service to another',
  usage: 'add-dep <type> <from-service> <to-service>',
  args: [
    { name: 'type', description: 'need (or regular), milestone, or waits-for', required: true },
    { name: 'from-service', description: 'the dependent service', required: true },
    { name: 'to-service', description: 'the dependency', required: true },
  ],
  flags: [],
  async run(ctx) {
    const { cl } = ctx;
    const from = cl.from as string;
    const to = cl.to as string;
    const port = await ctx.connect();
    const f = await loadService(ctx, port, from);
    if (f === undefined) return 1;
    const t = await loadService(ctx, port, to);
    if (t === undefined) return 1;
    if (f.handle === t.handle) {
      ctx.err('dinitctl: can not add/remove a dependency from a service to itself\n');
      return 1;
    }
    const r = await port.addRemoveDep(ADD, cl.depType as number, f.handle, t.handle);
    if (r === 'nak') {
      ctx.err(
        ADD
          ? 'dinitctl: could not add dependency: circular dependency or wrong state\n'
          : 'dinitctl: no such dependency to remove\n',
      );
      return 1;
    }
    if (r !== 'ack') throw new CliError('EPROTO', 'control socket protocol error');
    if (ctx.verbose)
      ctx.out(`Service '${from}': dependency '${to}' ${ADD ? 'added' : 'removed'}\n`);
    return 0;
  },
};
export default spec;
