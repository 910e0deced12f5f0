#!/usr/bin/env node
// Runs when the package is installed: builds the exec helper, and on a global install links the
// shell completions to where bash-completion, zsh and fish look under the same prefix (npm itself
// links the man pages there). Nothing here fails the install; each problem is one line.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { stdio: 'inherit' });

/** Where each shell looks for completions under an installation prefix. */
const COMPLETIONS = [
  ['dinitctl.bash', 'share/bash-completion/completions/dinitctl'],
  ['_dinitctl', 'share/zsh/site-functions/_dinitctl'],
  ['dinitctl.fish', 'share/fish/vendor_completions.d/dinitctl.fish'],
];

function linkCompletions(prefix) {
  const done = [];
  for (const [file, rel] of COMPLETIONS) {
    const target = path.join(root, 'completions', file);
    const link = path.join(prefix, rel);
    try {
      fs.mkdirSync(path.dirname(link), { recursive: true });
      let existing;
      try {
        existing = fs.lstatSync(link);
      } catch {
        // Nothing there yet.
      }
      // Replace an earlier link, never a file someone else installed (such as upstream's).
      if (existing && !existing.isSymbolicLink()) {
        process.stderr.write(`dinit-ts: left ${link} alone (not ours)\n`);
        continue;
      }
      if (existing) fs.unlinkSync(link);
      fs.symlinkSync(target, link);
      done.push(link);
    } catch (e) {
      process.stderr.write(`dinit-ts: could not link ${link}: ${e.message}\n`);
    }
  }
  if (done.length > 0) process.stdout.write(`dinit-ts: shell completion in ${done.join(', ')}\n`);
}

const prefix = process.env.npm_config_prefix;
if (process.env.npm_config_global === 'true' && prefix) linkCompletions(prefix);
