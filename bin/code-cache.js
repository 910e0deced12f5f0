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
 * Runs the CommonJS file `file` (its stat `st`) compiled with the code V8 cached for it in
 * cache.dir, and returns its exports; `req` is the require it gets. The cache is named after
 * the file (and `tag`, when one file has several), its size and time and Node's version; V8
 * rejects one that does not fit, and then it is made again, at exit, so that it holds the
 * functions the run compiled. With onlyAfterSuccess it is made only by a run that exits with 0
 * (one that failed compiled its error path, not the path later runs take).
 */
function runCached(file, st, cache, req, { tag, onlyAfterSuccess = false } = {}) {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const name = `${base}${tag ? `-${tag}` : ''}-${st.size}-${Math.floor(st.mtimeMs)}-${process.version}`;
  const cacheFile = cache && `${cache.dir}/code-cache/${name}`;
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
  const mod = { exports: {}, filename: file, id: file };
  const dir = file.slice(0, file.lastIndexOf('/'));
  script.runInThisContext()(mod.exports, req, mod, file, dir);
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', (code) => {
      if (onlyAfterSuccess && code !== 0) return;
      if (!fs.existsSync(cache.root)) return;
      try {
        fs.mkdirSync(`${cache.dir}/code-cache`, { recursive: true, mode: 0o700 });
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

module.exports = { cacheDir, runCached };
