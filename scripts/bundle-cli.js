#!/usr/bin/env node
// Bundles dinitctl (dist/src/cli/main.js, every subcommand and what they import) into one file
// beside it, main.bundle.js, which bin/dinitctl loads instead of some 25 separate modules: one
// file to find, read and compile on every run. Run by build.js after tsc; without esbuild (an
// install without devDependencies) it removes any old bundle and dinitctl loads the modules.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist/src/cli');
const entry = path.join(cli, 'main.js');
const out = path.join(cli, 'main.bundle.js');

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  fs.rmSync(out, { force: true });
  process.stdout.write('bundle-cli: esbuild is not installed; dinitctl loads its modules\n');
  process.exit(0);
}

// main.js loads a subcommand by id with require(`../../commands/${id}`); esbuild bundles such a
// template require only when it names the extension, so the bundled copy gets one.
const COMMAND_REQUIRE = 'require(`../../commands/${id}`)';
const commandsWithExtension = {
  name: 'commands-with-extension',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]src[\\/]cli[\\/]main\.js$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes(COMMAND_REQUIRE)) {
        throw new Error(`${args.path} no longer loads commands with ${COMMAND_REQUIRE}`);
      }
      return { contents: text.replace(COMMAND_REQUIRE, 'require(`../../commands/${id}.js`)') };
    });
  },
};

esbuild
  .build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Whitespace and syntax only: names stay, so classes and stack traces read as in dist/.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    // Packages stay outside: oclif only for per-command help, the rest for a few subcommands.
    packages: 'external',
    plugins: [commandsWithExtension],
  })
  .then(() => {
    process.stdout.write(`bundle-cli: ${path.relative(root, out)}\n`);
  })
  .catch((e) => {
    fs.rmSync(out, { force: true });
    process.stderr.write(`bundle-cli: ${e.message}\n`);
    process.exit(1);
  });
