// dinitctl is-started: exit 0 when the service is started (prints its state unless --quiet).

import { SERVICE_ARG, CommandSpec } from '../src/cli/command';
import { serviceStatusCommand } from '../src/cli/status';

const spec: CommandSpec = {
  id: 'is-started',
  summary: 'Succeed if the service is started; print its state',
  usage: 'is-started <service-name>',
  args: [SERVICE_ARG],
  flags: [],
  run: (ctx) => serviceStatusCommand(ctx, 'is-started'),
};
export default spec;
