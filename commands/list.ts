// dinitctl list: one line per loaded service with its state markers.

import type { CommandRun } from '../src/cli/command';
import { listCommand } from '../src/cli/list';

const run: CommandRun = (ctx) => listCommand(ctx);
export default run;
