#!/usr/bin/env node
// Long fuzzing runs: `npm run fuzz -- --minutes M` runs the properties of test/fuzz/ (the
// protocol decoders and the description reader) for about M minutes in all, instead of the
// suite's 300 inputs each. A failing input is shrunk and kept in
// test/fixtures/fuzz-regressions/<property>/, where every later test run checks it.

'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

/** The properties test/fuzz/ runs; the time is shared evenly between them. */
const PROPERTIES = 3;

function minutesFrom(argv) {
  const i = argv.indexOf('--minutes');
  const m = i === -1 ? 5 : Number(argv[i + 1]);
  if (!(m > 0)) {
    process.stderr.write('usage: npm run fuzz -- --minutes M   (M > 0, default 5)\n');
    process.exit(2);
  }
  return m;
}

const ms = Math.round((minutesFrom(process.argv.slice(2)) * 60000) / PROPERTIES);
const root = path.resolve(__dirname, '..');
const r = spawnSync(
  process.execPath,
  [
    require.resolve('jest/bin/jest', { paths: [root] }),
    'test/fuzz',
    '--runInBand',
    `--testTimeout=${ms + 120000}`,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, DINIT_FUZZ_MS: String(ms) } },
);
process.exit(r.status ?? 1);
