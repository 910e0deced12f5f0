// dinitctl release: see src/cli/ops.ts startStopService for the flow and its messages.

import { CommandSpec, FLAGS, SERVICE_ARG } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'release',
  summary: 'Remove the active mark of a service; it stops unless something needs it',
  usage: 'release [options] <service-name>',
  args: [SERVICE_ARG],
  flags: [FLAGS.noWait, FLAGS.pin, FLAGS.ignoreUnstarted],
  run: (ctx) => startStopService(ctx, 'release'),
};
export default spec;
