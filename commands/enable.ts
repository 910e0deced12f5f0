// dinitctl enable: see src/cli/enable.ts.

import { CommandSpec, FLAGS } from '../src/cli/command';
import { enableDisableCommand } from '../src/cli/enable';

const spec: CommandSpec = {
  id: 'enable',
  summary:
    'Persistently enable a service: add it to the waits-for.d directory of another (boot by default) and start it',
  usage: 'enable [--from <from-service>] <to-service>',
  args: [{ name: 'to-service', description: 'the service to enable', required: true }],
  flags: [FLAGS.from, FLAGS.offline, FLAGS.servicesDir],
  run: (ctx) => enableDisableCommand(ctx, true),
};
export default spec;
