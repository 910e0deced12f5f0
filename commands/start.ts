// dinitctl start: see src/cli/ops.ts startStopService for the flow and its messages.

import { CommandSpec, FLAGS, SERVICE_ARG } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'start',
  summary: 'Start a service and mark it active; wait until it has started',
  usage: 'start [options] <service-name>',
  args: [SERVICE_ARG],
  flags: [FLAGS.noWait, FLAGS.pin],
  run: (ctx) => startStopService(ctx, 'start'),
};
export default spec;
