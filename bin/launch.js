// Shared by the executables in bin/ (not itself a command): turns on Node's module compile cache
// where Node has one, then loads the built entry point (or its bundle, when one was built and is
// current), or says in one line how to build it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// The class of `module` is node:module without what loading that built-in adds (such as
// enableCompileCache); its wrap and createRequire serve the code cache below without that load,
// a quarter of a millisecond on every start.
const Module = module.constructor;

/** The per-user cache directory (never a shared /tmp one that another user could fill). */
function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  // os.homedir() is $HOME where that is set; loading os only for the rest saves every run a bit.
  let home = xdg ? undefined : process.env.HOME;
  try {
    if (!xdg && home === undefined) home = require('node:os').homedir();
  } catch {
    return undefined; // No home directory.
  }
  const base = xdg || path.join(home, '.cache');
  // Never create a home directory that is not there (nobody's is /nonexistent).
  if (!fs.existsSync(xdg ? base : home)) return undefined;
  return path.join(base, 'dinit-ts');
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

/**
 * Runs a bundle with V8's code cache kept in dir, for a Node without a compile cache of its own.
 * The cache is named after the bundle's size and time and Node's version, written to a temporary
 * name and renamed into place; V8 rejects one that does not fit, and then it is made again.
 */
function requireCached(file, st, dir) {
  const vm = require('node:vm');
  const name = `${path.basename(file)}-${st.size}-${Math.floor(st.mtimeMs)}-${process.version}`;
  const cacheFile = path.join(dir, 'code-cache', name);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // Not made yet.
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
  });
  const mod = { exports: {}, filename: file, id: file };
  const req = Module.createRequire(file);
  script.runInThisContext()(mod.exports, req, mod, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, so that the functions this run compiled are in it too.
    process.once('exit', () => {
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        // A read-only home: run without the cache.
      }
    });
  }
  return mod.exports;
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
function loadBundle(entry, bundle, dir, nodeCaches) {
  const b = path.join(root, 'dist', bundle);
  const st = currentBundle(b, path.join(root, 'dist', entry));
  if (st === undefined) return undefined;
  if (nodeCaches || dir === undefined) return require(b);
  try {
    return requireCached(b, st, dir);
  } catch {
    return require(b);
  }
}

/**
 * Require dist/<entry> (or dist/<bundle>, its one-file build, when current) for the executable
 * `tool`; exits with status 1 if it was never built.
 */
module.exports = function launch(tool, entry, bundle) {
  const dir = cacheDir();
  const nodeCaches = enableCompileCache(dir);
  if (bundle !== undefined) {
    const b = loadBundle(entry, bundle, dir, nodeCaches);
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
