// Runs the init's own C unit tests (adapters/native/tests/init-test.c): builds them with the
// system compiler into a temp dir and checks they pass. Skipped where the init is not built
// (not Linux) or no C compiler is found.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const src = path.join(root, 'adapters', 'native', 'tests', 'init-test.c');
const cc = process.env.CC || 'cc';
const haveCc = spawnSync(cc, ['--version']).status === 0;
const run = process.platform === 'linux' && haveCc ? test : test.skip;

describe('dinit-init unit tests (C)', () => {
  run(
    'the init parses its channel, keeps exits for the next manager and backs off restarts',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-init-test-'));
      try {
        const bin = path.join(dir, 'init-test');
        const built = spawnSync(cc, ['-O0', '-Wall', '-Wextra', '-Werror', '-o', bin, src], {
          encoding: 'utf8',
        });
        expect(built.stderr).toBe('');
        expect(built.status).toBe(0);
        const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 10000 });
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain('all passed');
        expect(r.status).toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
