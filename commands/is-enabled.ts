// dinitctl is-enabled (dinit-ts): succeed if the service is linked from a waits-for.d.

import { isEnabledCommand } from '../src/cli/enable';
import { verbCommand } from '../src/cli/oclif-verb';

export default verbCommand('is-enabled', isEnabledCommand);
