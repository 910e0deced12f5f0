// Shared by bundle-cli.js and bundle-daemon.js (not itself a build step): one esbuild bundle of
// TypeScript sources for Node, and the rewrite of built-in module imports that both need.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

// esbuild turns `import * as fs from 'node:fs'` into __toESM(require("node:fs")), which copies
// every export of the module into a new object (a getter for each of some hundred names) in each
// module that imports it, on every run. A built-in module is never an ES module, so the bundle
// uses the module object itself, as __toESM would for anything but its copy.
const IMPORT_STAR_BUILTIN = /__toESM\(require\(("node:[a-z0-9_/]+")\)\)/g;

/**
 * Bundles `entry` into `out` with esbuild (given, so that the caller says what to do without
 * it): CommonJS for Node 20, packages left outside, whitespace and syntax minified but names
 * kept, so that classes and stack traces read as in dist/; then the built-ins' own objects.
 */
async function bundleForNode(esbuild, { entry, out, plugins = [] }) {
  await esbuild.build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.json'),
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    packages: 'external',
    plugins,
  });
  const text = fs.readFileSync(out, 'utf8');
  fs.writeFileSync(out, text.replace(IMPORT_STAR_BUILTIN, 'require($1)'));
}

module.exports = { bundleForNode };
