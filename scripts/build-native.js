#!/usr/bin/env node
// Builds the native programs with the system C compiler into adapters/native/build/: the
// spawner (spawner.c) and the exec helper (exec-helper.c), both with the shared pre-exec steps
// (preexec.c), and, on Linux, the init that runs as PID 1 (init.c). A missing compiler is not a
// build failure: the daemon then launches through child_process, without the helper it says so
// when a service needs it, and dinit as PID 1 says the init is missing.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'adapters', 'native', 'build');
const cc = process.env.CC || 'cc';

// jail_getid() for run-in-jail lives in libjail on FreeBSD.
const jailLibs = process.platform === 'freebsd' ? ['-ljail'] : [];

const targets = [
  {
    src: ['exec-helper.c', 'preexec.c'],
    out: 'dinit-exec-helper',
    libs: jailLibs,
    consequence:
      'services needing pre-exec steps (run-as, rlimits, cgroup, logfile, ...) will fail to ' +
      'start until it is built',
  },
  {
    src: ['spawner.c', 'preexec.c'],
    out: 'dinit-spawner',
    libs: jailLibs,
    consequence: 'services are launched through child_process (one fork of the daemon each)',
  },
  {
    src: ['init.c'],
    out: 'dinit-init',
    libs: [],
    linuxOnly: true,
    consequence: 'dinit cannot run as PID 1 (system init or container init) until it is built',
  },
];

function build(t) {
  const warn = (msg) => process.stderr.write(`build-native: warning: ${msg}; ${t.consequence}.\n`);
  const srcs = t.src.map((s) => path.join(root, 'adapters', 'native', s));
  const out = path.join(outDir, t.out);
  if (t.linuxOnly && process.platform !== 'linux') return;
  const missing = srcs.find((s) => !fs.existsSync(s));
  if (missing) {
    warn(`${missing} is missing`);
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = `${out}.tmp${process.pid}`;
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', tmp, ...srcs, ...t.libs], { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
    warn(r.error ? `no C compiler (${cc}: ${r.error.code})` : `${cc} failed (status ${r.status})`);
    return;
  }
  // Rename into place so a running daemon (or init) never sees a half-written program.
  fs.renameSync(tmp, out);
  process.stdout.write(`build-native: built ${path.relative(root, out)}\n`);
}

for (const t of targets) build(t);
