// dinitctl unsetenv: remove variables from the daemon's environment.

import { CommandSpec } from '../src/cli/command';
import { setenvCommand } from '../src/cli/setenv';

const spec: CommandSpec = {
  id: 'unsetenv',
  summary: "Remove variables from the daemon's environment",
  usage: 'unsetenv [name ...]',
  args: [{ name: 'name', description: 'variable name', required: true }],
  flags: [],
  run: (ctx) => setenvCommand(ctx, true),
};
export default spec;
