// dinitctl release: see src/cli/ops.ts startStopService for the flow and its messages.

import type { CommandRun } from '../src/cli/command';
import { startStopService } from '../src/cli/ops';

const run: CommandRun = (ctx) => startStopService(ctx, 'release');
export default run;
