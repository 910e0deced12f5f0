#!/usr/bin/env node
// Bundles dinitctl into two files, which bin/dinitctl loads instead of some 25 separate modules
// (one file to find, read and compile on every run): main.bundle.js, every subcommand and what
// they import, and quick.bundle.js, the entry of the commands scripts run most (quick-main.ts) with
// those commands only. Both are made from the TypeScript sources, so that esbuild joins the
// modules into one scope: no wrapper, exports object and property lookup per module, and a
// third less code to read, compile and keep (a status run then stays under the size at which V8
// collects its young generation for the first time, which cost it a millisecond and more). Run by
// build.js after tsc; without esbuild (an install without devDependencies) it removes any old
// bundles and dinitctl loads the modules tsc made.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { bundleForNode } = require('./esbuild-node');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist/src/cli');
const bundles = [
  { entry: path.join(root, 'src/cli/main.ts'), out: path.join(cli, 'main.bundle.js') },
  {
    entry: path.join(root, 'src/cli/quick-main.ts'),
    out: path.join(cli, 'quick.bundle.js'),
    quick: true,
  },
];

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  for (const b of bundles) fs.rmSync(b.out, { force: true });
  process.stdout.write('bundle-cli: esbuild is not installed; dinitctl loads its modules\n');
  process.exit(0);
}

// main.ts loads a subcommand by id with require(`../../commands/${id}`); esbuild bundles such a
// template require only when it names the extension, so the bundled copy gets one. The quick
// bundle gets a plain require of each of its commands instead, so that it holds no other.
const COMMAND_REQUIRE = 'require(`../../commands/${id}`)';
function commandRequire(quick) {
  if (!quick) return 'require(`../../commands/${id}.ts`)';
  const each = quickWords().map(
    (c) => `id === ${JSON.stringify(c)} ? require("../../commands/${c}") : `,
  );
  return `(${each.join('')}(() => { throw new Error(\`\${id} is not in the quick bundle\`); })())`;
}

/** The quick bundle's commands, as bin/dinitctl declares them (the one list of them). */
function quickWords() {
  const bin = path.join(root, 'bin', 'dinitctl');
  const m = /^const QUICK_WORDS = (\[[^\]]*\]);$/m.exec(fs.readFileSync(bin, 'utf8'));
  if (m === null) throw new Error(`${bin} no longer declares const QUICK_WORDS = [...];`);
  return JSON.parse(m[1].replace(/'/g, '"').replace(/,\s*\]$/, ']'));
}

function commandsPlugin(quick) {
  return {
    name: 'commands',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]main\.ts$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (!text.includes(COMMAND_REQUIRE)) {
          throw new Error(`${args.path} no longer loads commands with ${COMMAND_REQUIRE}`);
        }
        return { contents: text.replace(COMMAND_REQUIRE, commandRequire(quick)), loader: 'ts' };
      });
    },
  };
}

/** Bundles `b` (packages stay outside: oclif only for per-command help, the rest for a few
 * subcommands). */
function bundle(b) {
  return bundleForNode(esbuild, {
    entry: b.entry,
    out: b.out,
    plugins: [commandsPlugin(b.quick === true)],
  });
}

Promise.all(bundles.map(bundle))
  .then(() => {
    for (const b of bundles) process.stdout.write(`bundle-cli: ${path.relative(root, b.out)}\n`);
  })
  .catch((e) => {
    for (const b of bundles) fs.rmSync(b.out, { force: true });
    process.stderr.write(`bundle-cli: ${e.message}\n`);
    process.exit(1);
  });
