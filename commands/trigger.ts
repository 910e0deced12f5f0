// dinitctl trigger: mark a triggered service as triggered (it may then finish starting).

import type { CommandRun } from '../src/cli/command';
import { setServiceTrigger } from '../src/cli/ops';

const run: CommandRun = (ctx) => setServiceTrigger(ctx, true);
export default run;
