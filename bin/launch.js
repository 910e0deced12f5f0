// Shared by the executables in bin/ (not itself a command): turns on Node's module compile cache
// where Node has one, then loads the built entry point, or says in one line how to build it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Cache compiled code per user (never a shared /tmp directory that another user could fill). */
function enableCompileCache() {
  const mod = require('node:module');
  if (typeof mod.enableCompileCache !== 'function') return; // Node before 22.1
  try {
    const home = require('node:os').homedir();
    const base = process.env.XDG_CACHE_HOME || path.join(home, '.cache');
    // Never create a home directory that is not there (nobody's is /nonexistent).
    if (!fs.existsSync(process.env.XDG_CACHE_HOME ? base : home)) return;
    mod.enableCompileCache(path.join(base, 'dinit-ts', 'compile-cache'));
  } catch {
    // No home directory, or a read-only one: start without the cache.
  }
}

/** Require dist/<entry> for the executable `tool`; exits with status 1 if it was never built. */
module.exports = function launch(tool, entry) {
  enableCompileCache();
  const file = path.join(root, 'dist', entry);
  try {
    return require(file);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && !fs.existsSync(file)) {
      process.stderr.write(
        `${tool}: dinit-ts is not built yet: run "npm run build" in ${root} (then try again)\n`,
      );
      process.exit(1);
    }
    throw e;
  }
};
