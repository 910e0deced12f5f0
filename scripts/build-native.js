#!/usr/bin/env node
// Builds the exec helper (adapters/native/exec-helper.c) with the system C compiler into
// adapters/native/build/. A missing compiler is not a build failure: the adapters then run
// without the helper and say so when a service needs it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'adapters', 'native', 'exec-helper.c');
const outDir = path.join(root, 'adapters', 'native', 'build');
const out = path.join(outDir, 'dinit-exec-helper');
const cc = process.env.CC || 'cc';

function warn(msg) {
  process.stderr.write(
    `build-native: warning: ${msg}; services needing pre-exec steps ` +
      `(run-as, rlimits, cgroup, logfile, ...) will fail to start until it is built.\n`,
  );
}

if (!fs.existsSync(src)) {
  warn(`${src} is missing`);
  process.exit(0);
}
fs.mkdirSync(outDir, { recursive: true });
const tmp = `${out}.tmp${process.pid}`;
// jail_getid() for run-in-jail lives in libjail on FreeBSD.
const libs = process.platform === 'freebsd' ? ['-ljail'] : [];
const r = spawnSync(cc, ['-O2', '-Wall', '-o', tmp, src, ...libs], { stdio: 'inherit' });
if (r.error || r.status !== 0) {
  try {
    fs.unlinkSync(tmp);
  } catch {
    // Nothing was written.
  }
  warn(r.error ? `no C compiler (${cc}: ${r.error.code})` : `${cc} failed (status ${r.status})`);
  process.exit(0);
}
// Rename into place so a running daemon never sees a half-written helper.
fs.renameSync(tmp, out);
process.stdout.write(`build-native: built ${path.relative(root, out)}\n`);
