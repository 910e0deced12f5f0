// Shared by bin/launch.js and bin/dinitctl (not itself a command): the per-user cache directory,
// and running a script compiled with the code V8 cached for it. Loads node:vm only to compile,
// and node:os only without $HOME, so that a query pays for nothing else.
'use strict';
const fs = require('node:fs');

/**
 * dinit-ts's per-user cache directory (never a shared one in /tmp that another user could fill)
 * and the directory that must exist before it is made (nobody's home is /nonexistent);
 * undefined without a home directory.
 */
function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg) return { dir: `${xdg}/dinit-ts`, root: xdg };
  try {
    // os.homedir() is $HOME where that is set; node:os is loaded only without it.
    const home = process.env.HOME ?? require('node:os').homedir();
    return { dir: `${home}/.cache/dinit-ts`, root: home };
  } catch {
    return undefined;
  }
}

/**
 * A short tag for the checkout a file belongs to (a hash of its directory), so that the caches
 * of two checkouts keep apart and the pruning of one leaves the other's.
 */
function checkoutTag(dir) {
  let h = 5381;
  for (let i = 0; i < dir.length; i++) h = ((h * 33) ^ dir.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

/** A cache file's name without its size, time and Node version ("v2fpsx!src!bytes.js-"). */
function stemOf(name) {
  let at = name.length;
  for (let k = 0; k < 3 && at > 0; k++) at = name.lastIndexOf('-', at - 1);
  return at > 0 ? name.slice(0, at + 1) : name;
}

/**
 * Writes each script's cache to its file (in cache.dir/code-cache), and removes the files of
 * earlier builds of the same scripts (or of other Node versions): otherwise every build would
 * leave its caches behind for good.
 */
function writeCaches(cache, made) {
  const dirPath = `${cache.dir}/code-cache`;
  fs.mkdirSync(dirPath, { recursive: true, mode: 0o700 });
  const names = new Set();
  for (const { script, cacheFile } of made) {
    const tmp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
    names.add(cacheFile.slice(dirPath.length + 1));
  }
  const stems = new Set([...names].map(stemOf));
  for (const other of fs.readdirSync(dirPath)) {
    if (!names.has(other) && stems.has(stemOf(other))) fs.unlinkSync(`${dirPath}/${other}`);
  }
}

/**
 * Compiles `file` (CommonJS, wrapped as Node wraps a module) with the code V8 cached for it in
 * `cacheFile`, if there is one: { script, stale }, where stale says that the cache is missing or
 * was rejected and should be made again.
 */
function compileWithCache(file, cacheFile) {
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // Not made yet.
  }
  const vm = require('node:vm');
  // The class of `module` is node:module without what loading that built-in adds.
  const script = new vm.Script(module.constructor.wrap(fs.readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
  });
  return { script, stale: cachedData === undefined || script.cachedDataRejected };
}

/**
 * Runs the CommonJS file `file` (its stat `st`) compiled with the code V8 cached for it in
 * cache.dir, and returns its exports; `req` is the require it gets. The cache is named after
 * the file (and `tag`, when one file has several), its size and time and Node's version; V8
 * rejects one that does not fit, and then it is made again, at exit, so that it holds the
 * functions the run compiled. With onlyAfterSuccess it is made only by a run that exits with 0
 * (one that failed compiled its error path, not the path later runs take).
 */
function runCached(file, st, cache, req, { tag, onlyAfterSuccess = false } = {}) {
  const slash = file.lastIndexOf('/');
  const base = `${checkoutTag(file.slice(0, slash))}!${file.slice(slash + 1)}`;
  const name = `${base}${tag ? `-${tag}` : ''}-${st.size}-${Math.floor(st.mtimeMs)}-${process.version}`;
  const cacheFile = cache && `${cache.dir}/code-cache/${name}`;
  const { script, stale } = compileWithCache(file, cacheFile);
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext()(mod.exports, req, mod, file, file.slice(0, slash));
  if (cacheFile && stale) {
    process.once('exit', (code) => {
      if (onlyAfterSuccess && code !== 0) return;
      if (!fs.existsSync(cache.root)) return;
      try {
        writeCaches(cache, [{ script, cacheFile }]);
      } catch {
        // A read-only home: run without the cache.
      }
    });
  }
  return mod.exports;
}

/**
 * The require of module `mod`, as Node makes it (resolve, cache, main and extensions included).
 */
function requireOf(mod) {
  const Module = mod.constructor;
  const req = (id) => mod.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  req.main = require.main;
  req.extensions = Module._extensions;
  req.cache = Module._cache;
  return req;
}

/**
 * From now on, compiles each module under `dir` with the code V8 cached for it in cache.dir,
 * which Node 20 cannot do itself (22.1 and later have module.enableCompileCache). A module
 * without a usable cache gets one at exit, made then so that it holds the functions the run
 * compiled and not only the module's top level: a daemon's next start then runs its load,
 * start and stop paths without compiling them first.
 */
function cacheModules(dir, cache) {
  const tag = checkoutTag(dir);
  const Module = module.constructor;
  const prior = Module._extensions['.js'];
  const made = [];
  Module._extensions['.js'] = function loadWithCache(mod, filename) {
    let st;
    try {
      st = filename.startsWith(`${dir}/`) ? fs.statSync(filename) : undefined;
    } catch {
      st = undefined;
    }
    if (st === undefined) return prior(mod, filename);
    const rel = `${tag}!${filename.slice(dir.length + 1).replaceAll('/', '!')}`;
    const cacheFile = `${cache.dir}/code-cache/${rel}-${st.size}-${Math.floor(st.mtimeMs)}-${process.version}`;
    const { script, stale } = compileWithCache(filename, cacheFile);
    // The exit listener only when there is a cache to make: a process without one may end
    // itself at once (adapters' exitNow), which it does not do while something awaits 'exit'.
    if (stale && made.push({ script, cacheFile }) === 1) process.once('exit', writeMade);
    const dirname = filename.slice(0, filename.lastIndexOf('/'));
    script
      .runInThisContext()
      .call(mod.exports, mod.exports, requireOf(mod), mod, filename, dirname);
  };
  function writeMade() {
    // A run shorter than a second (--version, a start-up that failed) compiled little beyond
    // the top level, and its caches would stay that thin: it leaves them to a later run.
    if (process.uptime() < 1 || !fs.existsSync(cache.root)) return;
    try {
      writeCaches(cache, made);
    } catch {
      // A read-only home: run without the cache.
    }
  }
}

module.exports = { cacheDir, runCached, cacheModules };
