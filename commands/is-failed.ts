// dinitctl is-failed: exit 0 when the service is stopped because it failed to start.

import { SERVICE_ARG, CommandSpec } from '../src/cli/command';
import { serviceStatusCommand } from '../src/cli/status';

const spec: CommandSpec = {
  id: 'is-failed',
  summary: 'Succeed if the service failed to start; print its state',
  usage: 'is-failed <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  run: (ctx) => serviceStatusCommand(ctx, 'is-failed'),
};
export default spec;
