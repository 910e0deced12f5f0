// dinitctl status: print the state block of a loaded service.

import type { CommandRun } from '../src/cli/command';
import { serviceStatusCommand } from '../src/cli/status';

const run: CommandRun = (ctx) => serviceStatusCommand(ctx, 'status');
export default run;
