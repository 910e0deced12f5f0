// dinitctl rm-dep: remove a dependency between two loaded services (not persistent).

import { CommandSpec } from '../src/cli/command';
import { addRemoveDependency } from '../src/cli/ops';

const spec: CommandSpec = {
  id: 'rm-dep',
  summary: 'Remove a dependency (need, milestone or waits-for) from one service to another',
  usage: 'rm-dep <type> <from-service> <to-service>',
  args: [
    { name: 'type', description: 'need (or regular), milestone, or waits-for', required: true },
    { name: 'from-service', description: 'the dependent service', required: true },
    { name: 'to-service', description: 'the dependency', required: true },
  ],
  flags: [],
  run: (ctx) => addRemoveDependency(ctx, false),
};
export default spec;
