// dinitctl disable: see src/cli/enable.ts.

import { CommandSpec, FLAGS } from '../src/cli/command';
import { enableDisableCommand } from '../src/cli/enable';

const spec: CommandSpec = {
  id: 'disable',
  summary:
    'Persistently disable a service: remove it from the waits-for.d directory of another (boot by default)',
  usage: 'disable [--from <from-service>] <to-service>',
  args: [{ name: 'to-service', description: 'the service to disable', required: true }],
  flags: [FLAGS.from, FLAGS.offline, FLAGS.servicesDir],
  run: (ctx) => enableDisableCommand(ctx, false),
};
export default spec;
