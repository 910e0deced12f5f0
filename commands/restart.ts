// dinitctl restart: see src/cli/ops.ts startStopService for the flow and its messages.

import { CommandSpec, FLAGS, SERVICE_ARG } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'restart',
  summary: 'Stop a started service and start it again, without changing its active mark',
  usage: 'restart [options] <service-name>',
  args: [SERVICE_ARG],
  flags: [FLAGS.noWait, FLAGS.force, FLAGS.ignoreUnstarted],
  run: (ctx) => startStopService(ctx, 'restart'),
};
export default spec;
