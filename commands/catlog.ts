// dinitctl catlog: print the buffered output of a service with log-type = buffer.

import { CommandSpec, FLAGS, SERVICE_ARG } from '../src/cli/command';
import { loadService } from '../src/cli/ops';
import { ControlError } from '../src/errors';

const spec: CommandSpec = {
  id: 'catlog',
  summary: 'Print the log buffer of a service (log-type = buffer)',
  usage: 'catlog [--clear] <service-name>',
  args: [SERVICE_ARG],
  flags: [FLAGS.clear],
  async run(ctx) {
    const name = ctx.cl.args[0];
    const port = await ctx.connect();
    if (port.protocolVersion < 2) throw new ControlError('old-server', 'daemon too old');
    const s = await loadService(ctx, port, name);
    if (s === undefined) return 1;
    const log = await port.catLog(s.handle, ctx.cl.clear);
    if (log === null) {
      ctx.err('dinitctl: cannot cat log for service not configured to buffer output.\n');
      return 1;
    }
    if (log.length > 0) {
      ctx.outRaw(log);
      if (log[log.length - 1] !== 0x0a) ctx.out('\n(last line is truncated or incomplete)\n');
    }
    return 0;
  },
};
export default spec;
