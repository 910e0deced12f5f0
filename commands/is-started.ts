// dinitctl is-started: exit 0 when the service is started (prints its state unless --quiet).

import type { CommandRun } from '../src/cli/command';
import { serviceStatusCommand } from '../src/cli/status';

const run: CommandRun = (ctx) => serviceStatusCommand(ctx, 'is-started');
export default run;
