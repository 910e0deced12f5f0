// Runs the real bin/dinit-check (built dist/) over the fixture service directories in
// fixtures/check/ and compares its merged output and exit status with the recorded output.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'dinit-check');
const FIXTURES = path.join(ROOT, 'fixtures', 'check');

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'check', 'main.js'))) {
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` before the CLI tests');
  }
});

/** Run dinit-check in `cwd` with stdout and stderr on one pipe, as upstream's test runner does. */
function runCheck(cwd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env },
    encoding: 'utf8',
  });
  return `${r.stdout}rc=${r.status}\n`;
}

const cases: { name: string; args: string[]; env?: Record<string, string> }[] = [
  { name: 'errors', args: ['-d', 'sd'] },
  { name: 'features', args: ['-d', 'sd', 'svc@two', 'late'], env: { SPLIT: 'a  b' } },
  { name: 'structure', args: ['-d', 'sd'] },
  { name: 'depth', args: ['-d', 'sd', 's1'] },
  { name: 'args', args: ['-d', 'sd', 'boot@arg'], env: { DEP: 'fromenv' } },
];

describe('dinit-check against fixture service directories', () => {
  for (const c of cases) {
    it(`prints upstream's report for fixtures/check/${c.name}`, () => {
      const dir = path.join(FIXTURES, c.name);
      const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8');
      expect(runCheck(dir, c.args, c.env)).toBe(expected);
    });
  }
});

describe('dinit-check command line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-check-cli-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints help and exits 0', () => {
    const out = runCheck(tmp, ['--help']);
    expect(out).toMatch(/^dinit-check: check dinit service descriptions\n/);
    expect(out).toMatch(/rc=0\n$/);
  });

  it('refuses an unknown option with exit status 1', () => {
    expect(runCheck(tmp, ['--bogus'])).toBe(
      "dinit-check: unrecognized option: '--bogus' (use '--help' for help)\nrc=1\n",
    );
  });

  it('requires an argument after -d', () => {
    expect(runCheck(tmp, ['-d'])).toBe(
      "dinit-check: '--services-dir' (-d) requires an argument\nrc=1\n",
    );
  });

  it('checks "boot" by default and reports no problems for a clean set', () => {
    const sd = path.join(tmp, 'clean');
    fs.mkdirSync(sd);
    fs.writeFileSync(path.join(sd, 'boot'), 'type = internal\nwaits-for = other\n');
    fs.writeFileSync(path.join(sd, 'other'), 'type = internal\n');
    expect(runCheck(tmp, ['-d', 'clean'])).toBe(
      'Checking service: boot...\nChecking service: other...\nPerforming secondary checks...\n' +
        'Secondary checks complete.\nNo problems found.\nrc=0\n',
    );
  });

  it('warns about bad lines of the -e environment file', () => {
    const sd = path.join(tmp, 'envcase');
    fs.mkdirSync(sd);
    fs.writeFileSync(path.join(sd, 'boot'), 'type = internal\n');
    fs.writeFileSync(path.join(tmp, 'env'), 'A=1\nnot a setting\n!frobnicate\n');
    const out = runCheck(tmp, ['-d', 'envcase', '-e', 'env']);
    expect(out).toContain(
      'dinit-check: warning: invalid environment variable setting in environment file env (line 2)\n',
    );
    expect(out).toContain('dinit-check: warning: bad command in environment file env (line 3)\n');
    expect(out).toMatch(/No problems found\.\nrc=0\n$/);
  });

  it('reports a daemon that cannot be reached in --online mode', () => {
    expect(runCheck(tmp, ['-n', '-p', path.join(tmp, 'no.sock')])).toBe(
      `dinit-check: connecting to socket ${path.join(tmp, 'no.sock')}: No such file or directory\nrc=1\n`,
    );
  });
});
