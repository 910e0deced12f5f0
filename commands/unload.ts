// dinitctl unload: forget a stopped service that nothing depends on.

import type { CommandRun } from '../src/cli/command';
import { unloadOrReload } from '../src/cli/ops';

const run: CommandRun = (ctx) => unloadOrReload(ctx, 'unload');
export default run;
