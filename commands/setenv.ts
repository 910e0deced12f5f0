// dinitctl setenv: set variables in the daemon's environment (NAME takes our own value).

import type { CommandRun } from '../src/cli/command';
import { setenvCommand } from '../src/cli/setenv';

const run: CommandRun = (ctx) => setenvCommand(ctx, false);
export default run;
