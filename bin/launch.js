// Shared by the executables in bin/ (not itself a command): turns on Node's module compile cache
// where Node has one, then loads the built entry point (or its bundle, when one was built and is
// current), or says in one line how to build it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// NODE_EXTRA_CA_CERTS, which the executable's sh part kept aside while Node started (see
// bin/dinit), goes back for the processes we start, before anything reads the environment.
if (process.env.DINIT_TS_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.DINIT_TS_EXTRA_CA_CERTS;
  delete process.env.DINIT_TS_EXTRA_CA_CERTS;
}

const root = path.resolve(__dirname, '..');
const { cacheDir, cacheModules, runCached } = require('./code-cache.js');

/** The per-user cache directory when its root exists (Node's compile cache makes the rest). */
function existingCacheDir() {
  const cache = cacheDir();
  return cache && fs.existsSync(cache.root) ? cache : undefined;
}

/** Turns on Node's compile cache; false where this Node has none (before 22.1). */
function enableCompileCache(dir) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 1)) return false;
  const mod = require('node:module');
  if (typeof mod.enableCompileCache !== 'function') return false;
  if (dir === undefined) return true;
  try {
    mod.enableCompileCache(path.join(dir, 'compile-cache'));
  } catch {
    // A read-only home: start without the cache.
  }
  return true;
}

/** The bundle's stat when it exists and is at least as new as the entry it was made from. */
function currentBundle(bundle, file) {
  try {
    const st = fs.statSync(bundle);
    return st.mtimeMs >= fs.statSync(file).mtimeMs ? st : undefined;
  } catch {
    return undefined;
  }
}

/** The exports of dist/<bundle> when it is current with dist/<entry>, else undefined. */
function loadBundle(entry, bundle, cache, nodeCaches) {
  const b = path.join(root, 'dist', bundle);
  const st = currentBundle(b, path.join(root, 'dist', entry));
  if (st === undefined) return undefined;
  if (nodeCaches || cache === undefined) return require(b);
  try {
    // module.constructor is node:module without loading that built-in (a quarter of a ms).
    return runCached(b, st, cache, module.constructor.createRequire(b));
  } catch {
    return require(b);
  }
}

/**
 * Require dist/<entry> (or dist/<bundle>, its one-file build, when current) for the executable
 * `tool`; exits with status 1 if it was never built.
 */
module.exports = function launch(tool, entry, bundle) {
  const cache = existingCacheDir();
  const nodeCaches = enableCompileCache(cache?.dir);
  // The daemon starts once and then works in bursts, each of which would compile what it runs
  // for the first time; Node 22.1 and later cache that themselves.
  const cachesModules = !nodeCaches && cache !== undefined && tool === 'dinit';
  if (cachesModules) cacheModules(path.join(root, 'dist'), cache);
  if (bundle !== undefined) {
    // A bundle under dist/ is one more module for cacheModules, when that caches them.
    const b = loadBundle(entry, bundle, cachesModules ? undefined : cache, nodeCaches);
    if (b !== undefined) return b;
  }
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
