// dinitctl add-dep: add a dependency between two loaded services (not persistent).

import type { CommandRun } from '../src/cli/command';
import { addRemoveDependency } from '../src/cli/ops';

const run: CommandRun = (ctx) => addRemoveDependency(ctx, true);
export default run;
