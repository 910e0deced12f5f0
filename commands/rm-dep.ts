// dinitctl rm-dep: remove a dependency between two loaded services (not persistent).

import type { CommandRun } from '../src/cli/command';
import { addRemoveDependency } from '../src/cli/ops';

const run: CommandRun = (ctx) => addRemoveDependency(ctx, false);
export default run;
