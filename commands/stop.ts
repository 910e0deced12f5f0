// dinitctl stop: see src/cli/ops.ts startStopService for the flow and its messages.

import { CommandSpec, FLAGS, SERVICE_ARG } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'stop',
  summary: 'Stop a service and remove its active mark; wait until it has stopped',
  usage: 'stop [options] <service-name>',
  args: [SERVICE_ARG],
  flags: [FLAGS.noWait, FLAGS.pin, FLAGS.force, FLAGS.ignoreUnstarted],
  run: (ctx) => startStopService(ctx, 'stop'),
};
export default spec;
