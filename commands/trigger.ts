// dinitctl trigger: mark a triggered service as triggered (it may then finish starting).

import { CommandSpec, SERVICE_ARG } from '../src/cli/command';
import { setServiceTrigger } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'trigger',
  summary: 'Trigger a triggered service',
  usage: 'trigger <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  run: (ctx) => setServiceTrigger(ctx, true),
};
export default spec;
