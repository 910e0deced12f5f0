// dinitctl untrigger: clear the trigger of a triggered service.

import type { CommandRun } from '../src/cli/command';
import { setServiceTrigger } from '../src/cli/ops';

const run: CommandRun = (ctx) => setServiceTrigger(ctx, false);
export default run;
