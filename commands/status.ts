// dinitctl status: print the state block of a loaded service.

import { SERVICE_ARG, CommandSpec } from '../src/cli/command';
import { serviceStatusCommand } from '../src/cli/status';

const spec: CommandSpec = {
  id: 'status',
  summary: 'Show the state, activation and process of a loaded service',
  usage: 'status <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  run: (ctx) => serviceStatusCommand(ctx, 'status'),
};
export default spec;
