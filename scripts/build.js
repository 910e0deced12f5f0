#!/usr/bin/env node
// `npm run build` (and prepack, and the demo): compiles the TypeScript into dist/ with tsc and
// bundles dinitctl (bundle-cli.js) and the daemon (bundle-daemon.js), then the native programs
// (exec helper, init). --clean empties dist/ first; --if-stale skips each part that is newer
// than its sources; --no-native leaves the native programs out.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');

/** Newest modification time (ms) of the TypeScript sources and the compiler settings. */
function newestSource() {
  let newest = fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs;
  const walk = ['src', 'adapters', 'commands'].map((d) => path.join(root, d));
  while (walk.length > 0) {
    const dir = walk.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'build' && e.name !== 'node_modules') walk.push(p);
      } else if (e.name.endsWith('.ts')) {
        newest = Math.max(newest, fs.statSync(p).mtimeMs);
      }
    }
  }
  return newest;
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

function run(what, argv) {
  const r = spawnSync(process.execPath, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`build: ${what} failed (status ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

if (args.has('--clean')) fs.rmSync(dist, { recursive: true, force: true });
// A source saved during the compile is newer than the stamp, so the next run compiles again.
const started = Date.now();
if (!args.has('--if-stale') || mtime(stamp) < newestSource()) {
  if (args.has('--if-stale')) process.stdout.write('build: sources changed; compiling (tsc)\n');
  run('tsc', [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
  run('bundle-cli', [path.join(__dirname, 'bundle-cli.js')]);
  run('bundle-daemon', [path.join(__dirname, 'bundle-daemon.js')]);
  fs.writeFileSync(stamp, '');
  fs.utimesSync(stamp, new Date(started), new Date(started));
}
/** Oldest modification time (ms) of the files in dir (-1 when there are none). */
function oldestIn(dir) {
  let names = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // Not built yet.
  }
  const times = names.map((n) => mtime(path.join(dir, n)));
  return times.length > 0 ? Math.min(...times) : -1;
}

if (!args.has('--no-native')) {
  // The native programs are rebuilt when a C source is newer than the oldest program built.
  const native = path.join(root, 'adapters/native');
  const sources = fs.readdirSync(native).filter((n) => n.endsWith('.c'));
  const newestC = Math.max(...sources.map((n) => mtime(path.join(native, n))));
  if (!args.has('--if-stale') || oldestIn(path.join(native, 'build')) < newestC) {
    run('build-native', [path.join(__dirname, 'build-native.js')]);
  }
}
