// dinitctl list: one line per loaded service with its state markers.

import { CommandSpec } from '../src/cli/command';
import { listLine } from '../src/cli/format';

const spec: CommandSpec = {
  id: 'list',
  summary: 'List loaded services and their states',
  usage: 'list',
  args: [],
  flags: [],
  async run(ctx) {
    const port = await ctx.connect();
    const services = await port.listServices();
    // Output does not depend on --quiet, as upstream.
    ctx.out(services.map((s) => listLine(s.name, s.status)).join(''));
    return 0;
  },
};
export default spec;
