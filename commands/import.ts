// dinitctl import (dinit-ts): convert systemd units or PM2 ecosystem files to descriptions.

import { importCommand } from '../src/cli/import';
import { verbCommand } from '../src/cli/oclif-verb';

export default verbCommand('import', importCommand);
