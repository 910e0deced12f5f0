// The command surface snapshot: fails when commands or flags change without the checked-in
// snapshot being updated (regenerate with UPDATE_SURFACE=1 npx jest test/unit/cli/surface).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandLine } from '../../../src/cli/argv';
import { loadCommand } from '../../../src/cli/main';
import { commandSurface } from '../../../src/cli/surface';
import { COMMANDS, COMMAND_IDS, flagsOf } from '../../../src/cli/table';
import { UsageError } from '../../../src/errors';

const SNAPSHOT = path.join(__dirname, 'command-surface.json');

describe('dinitctl command surface', () => {
  it('matches the checked-in snapshot', () => {
    const now = commandSurface();
    if (process.env.UPDATE_SURFACE === '1')
      fs.writeFileSync(SNAPSHOT, JSON.stringify(now, null, 2) + '\n');
    expect(now).toEqual(JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')));
  });

  it('has a command file for every subcommand of the table, and no other', () => {
    for (const id of COMMAND_IDS) expect(typeof loadCommand(id)).toBe('function');
    const files = fs
      .readdirSync(path.join(__dirname, '../../../commands'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(files).toEqual([...COMMAND_IDS].sort());
  });

  it('parses every flag the table gives a command', () => {
    for (const spec of COMMANDS) {
      for (const f of flagsOf(spec)) {
        for (const spelling of [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]) {
          const argv = [spec.id, spelling, ...(f.value !== undefined ? ['v'] : [])];
          try {
            parseCommandLine(argv, false);
          } catch (e) {
            // Missing positional arguments are fine here; an unknown option is not.
            expect(e).toBeInstanceOf(UsageError);
            expect((e as Error).message).not.toMatch(/unrecognized/);
          }
        }
      }
    }
  });
});
