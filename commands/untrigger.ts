// dinitctl untrigger: clear the trigger of a triggered service.

import { CommandSpec, SERVICE_ARG } from '../src/cli/command';
import { setServiceTrigger } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'untrigger',
  summary: 'Reset the trigger of a triggered service',
  usage: 'untrigger <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  run: (ctx) => setServiceTrigger(ctx, false),
};
export default spec;
