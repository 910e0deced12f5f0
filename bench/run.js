#!/usr/bin/env node
// `npm run bench`: runs every benchmark in this directory (files named *.bench.js), one after
// another in its own node process, and prints their figures. Benchmarks never pass or fail; a
// benchmark that crashes is reported and the others still run.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

if (files.length === 0) {
  console.log(
    'bench: no *.bench.js files found' + (only.length ? ` matching ${only.join(', ')}` : ''),
  );
  process.exit(0);
}

const crashed = [];
for (const f of files) {
  console.log(`\n== ${f} ==`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(__dirname, f)], {
    stdio: 'inherit',
    timeout: 10 * 60 * 1000,
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    crashed.push(f);
    console.log(
      `(${f} did not complete: ${r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit status ${r.status}`})`,
    );
  }
  console.log(`(${f}: ${secs.toFixed(1)} s)`);
}
console.log(
  `\nbench: ran ${files.length} benchmark file(s)` +
    (crashed.length ? `; did not complete: ${crashed.join(', ')}` : ''),
);
