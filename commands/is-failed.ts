// dinitctl is-failed: exit 0 when the service is stopped because it failed to start.

import type { CommandRun } from '../src/cli/command';
import { serviceStatusCommand } from '../src/cli/status';

const run: CommandRun = (ctx) => serviceStatusCommand(ctx, 'is-failed');
export default run;
