// dinitctl logs (dinit-ts): print, and with -f follow, the output of services.

import { logsCommand } from '../src/cli/logs';
import { verbCommand } from '../src/cli/oclif-verb';

export default verbCommand('logs', logsCommand);
