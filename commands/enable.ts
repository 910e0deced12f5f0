// dinitctl enable: see src/cli/enable.ts.

import type { CommandRun } from '../src/cli/command';
import { enableDisableCommand } from '../src/cli/enable';

const run: CommandRun = (ctx) => enableDisableCommand(ctx, true);
export default run;
