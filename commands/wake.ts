// dinitctl wake: see src/cli/ops.ts startStopService for the flow and its messages.

import { CommandSpec, FLAGS, SERVICE_ARG } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'wake',
  summary: 'Start a service without marking it active (it must have active dependents)',
  usage: 'wake [options] <service-name>',
  args: [SERVICE_ARG],
  flags: [FLAGS.noWait, FLAGS.pin],
  run: (ctx) => startStopService(ctx, 'wake'),
};
export default spec;
