// dinitctl setenv: set variables in the daemon's environment (NAME takes our own value).

import { CommandSpec } from '../src/cli/command';
import { setenvCommand } from '../src/cli/setenv';

const spec: CommandSpec = {
  id: 'setenv',
  summary: "Set variables in the daemon's environment for services started later",
  usage: 'setenv [name[=value] ...]',
  args: [
    {
      name: 'name[=value]',
      description: 'NAME=VALUE, or NAME to pass on our own value',
      required: true,
    },
  ],
  flags: [],
  run: (ctx) => setenvCommand(ctx, false),
};
export default spec;
