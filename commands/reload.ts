// dinitctl reload: re-read a service description (a service not yet loaded is simply loaded).

import type { CommandRun } from '../src/cli/command';
import { unloadOrReload } from '../src/cli/ops';

const run: CommandRun = (ctx) => unloadOrReload(ctx, 'reload');
export default run;
