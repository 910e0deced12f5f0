// dinitctl wake: see src/cli/ops.ts startStopService for the flow and its messages.

import type { CommandRun } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const run: CommandRun = (ctx) => startStopService(ctx, 'wake');
export default run;
