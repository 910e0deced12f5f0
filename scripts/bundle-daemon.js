#!/usr/bin/env node
// Bundles the daemon (src/daemon/main.ts and all it imports but packages) into
// dist/src/daemon/main.bundle.js, which bin/dinit loads instead of the 80 modules tsc made: one
// scope, no wrapper, exports object or require per module, and no comments, which the daemon kept
// in its heap as the modules' source text (0.45 MiB less RssAnon). Run by build.js after tsc;
// without esbuild (an install without devDependencies) it removes any old bundle and the daemon
// loads the modules tsc made.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { bundleForNode } = require('./esbuild-node');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'src/daemon/main.ts');
const out = path.join(root, 'dist/src/daemon/main.bundle.js');

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  fs.rmSync(out, { force: true });
  process.stdout.write('bundle-daemon: esbuild is not installed; the daemon loads its modules\n');
  process.exit(0);
}

// koffi stays outside (packages are), loaded lazily from node_modules as before.
bundleForNode(esbuild, { entry, out })
  .then(() => {
    process.stdout.write(`bundle-daemon: ${path.relative(root, out)}\n`);
  })
  .catch((e) => {
    fs.rmSync(out, { force: true });
    process.stderr.write(`bundle-daemon: ${e.message}\n`);
    process.exit(1);
  });
