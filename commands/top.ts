// dinitctl top (dinit-ts): a live view of the running services' CPU, memory and processes.

import { verbCommand } from '../src/cli/oclif-verb';
import { topCommand } from '../src/cli/top';

export default verbCommand('top', (ctx) => topCommand(ctx));
