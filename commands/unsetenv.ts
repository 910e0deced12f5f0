// dinitctl unsetenv: remove variables from the daemon's environment.

import type { CommandRun } from '../src/cli/command';
import { setenvCommand } from '../src/cli/setenv';

const run: CommandRun = (ctx) => setenvCommand(ctx, true);
export default run;
