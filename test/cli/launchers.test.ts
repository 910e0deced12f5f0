// The executables in bin/ as a user meets them: --version text (upstream's, plus the dinit-ts
// line only with --verbose), the one-line hint before a build, and the per-user compile cache
// (Node's own, or before Node 22.1 V8's code cache of dinitctl's bundle).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { sandboxAll } from '../support/daemon';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin');
const built = fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'));
const describeBuilt = built ? describe : describe.skip;
const pkgVersion = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(bin, args, { encoding: 'utf8', timeout: 10000, env });
}

describeBuilt('--version', () => {
  const ours = `dinit-ts version ${pkgVersion} (Node.js ${process.version}).\n`;

  it("dinitctl --version prints upstream's line alone", () => {
    expect(run(path.join(BIN, 'dinitctl'), ['--version']).stdout).toBe('Dinit version 0.22.1.\n');
  });

  it('dinitctl --version --verbose adds the line naming dinit-ts', () => {
    const r = run(path.join(BIN, 'dinitctl'), ['--version', '--verbose']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Dinit version 0.22.1.\n' + ours);
  });

  it("dinit --version prints upstream's text alone; --verbose adds the dinit-ts line", () => {
    const upstream =
      'Dinit version 0.22.1.\n' +
      'Supported features: cgroups supplemental-groups io-priority oom-score-adjust\n';
    expect(run(path.join(BIN, 'dinit'), ['--version']).stdout).toBe(upstream);
    const r = run(path.join(BIN, 'dinit'), ['--version', '--verbose']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(upstream + ours);
  });
});

// dinitctl status, is-started, is-failed, list, start, stop, restart, wake and release load a
// smaller bundle of their own, with V8's code cache on every Node; a line that only names one of
// those words goes to the full one, help and errors included.
const quickBundled = fs.existsSync(path.join(ROOT, 'dist/src/cli/quick.bundle.js'));
(built && quickBundled ? describe : describe.skip)('quick bundle', () => {
  const dinitctl = path.join(BIN, 'dinitctl');
  const missing = path.join(os.tmpdir(), 'dinit-no-such-dir', 'status');

  it('runs a query', () => {
    const r = run(dinitctl, ['-p', missing, 'status', 'x']);
    expect([r.status, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe(
      `dinitctl: connecting to socket: ${missing}: No such file or directory\n`,
    );
  });

  it.each([
    [
      ['-p', missing, 'unload', 'status'],
      `dinitctl: connecting to socket: ${missing}: No such file or directory\n`,
    ],
    [['status'], "dinitctl: Invalid command line.\nTry 'dinitctl --help' for more information.\n"],
    [
      ['list', 'x'],
      "dinitctl: Invalid command line.\nTry 'dinitctl --help' for more information.\n",
    ],
  ])('hands %j to the full bundle', (args, stderr) => {
    const r = run(dinitctl, args);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', stderr]);
  });

  describe('with a daemon', () => {
    const sb = sandboxAll('dinit-query-cache-');

    it("keeps the code V8 compiled for each query under the user's cache directory", async () => {
      sb.service('x', 'type = internal');
      sb.service('y', 'type = internal');
      const d = await sb.start(['x']);
      const cache = sb.path('cache');
      fs.mkdirSync(cache);
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache };
      const dir = path.join(cache, 'dinit-ts', 'code-cache');
      // A run that fails leaves no cache: it compiled its error path, not a query's.
      expect(run(dinitctl, ['-p', missing, 'status', 'x'], env).status).toBe(1);
      expect(fs.existsSync(dir)).toBe(false);
      const expected = [
        0,
        'Service: x\n    State: STARTED\n    Activation: explicitly started\n',
        '',
      ];
      const first = run(dinitctl, ['-p', d.socket, 'status', 'x'], env);
      expect([first.status, first.stdout, first.stderr]).toEqual(expected);
      const made = fs.readdirSync(dir);
      expect(made).toEqual([
        expect.stringMatching(/^[0-9a-z]+!quick\.bundle\.js-status-\d+-\d+-v/),
      ]);
      const again = run(dinitctl, ['-p', d.socket, 'status', 'x'], env);
      expect([again.status, again.stdout, again.stderr]).toEqual(expected);
      // The cache of an earlier build of the bundle goes when a new one is made.
      const stale = made[0].replace(/-\d+-\d+-v[^-]*$/, '-1-1-v0.0.0');
      fs.writeFileSync(path.join(dir, stale), 'old');
      fs.unlinkSync(path.join(dir, made[0]));
      const remade = run(dinitctl, ['-p', d.socket, 'status', 'x'], env);
      expect([remade.status, remade.stdout, remade.stderr]).toEqual(expected);
      expect(fs.readdirSync(dir)).toEqual(made);
      // start and stop run from it too, each with a cache of its own (an internal service
      // starts and stops at once, and upstream's dinitctl then names no service).
      const start = run(dinitctl, ['-p', d.socket, 'start', 'y'], env);
      expect([start.status, start.stdout, start.stderr]).toEqual([0, 'Service started.\n', '']);
      const stop = run(dinitctl, ['-p', d.socket, 'stop', 'y'], env);
      expect([stop.status, stop.stdout, stop.stderr]).toEqual([0, 'Service stopped.\n', '']);
      expect(
        fs
          .readdirSync(dir)
          .map((f) => /bundle\.js-([a-z-]+)-/.exec(f)?.[1])
          .sort(),
      ).toEqual(['start', 'status', 'stop']);
    });
  });

  it('hands help and --version to the full bundle', () => {
    expect(run(dinitctl, ['help', 'status']).stdout).toMatch(/status/);
    expect(run(dinitctl, ['status', '--help']).stdout).toMatch(/status/);
    expect(run(dinitctl, ['list', '--version']).stdout).toBe('Dinit version 0.22.1.\n');
  });
});

describe('before a build', () => {
  let dir: string;
  beforeAll(() => {
    // A copy of bin/ with no dist/ beside it, as in a fresh clone.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-nobuild-'));
    fs.cpSync(BIN, path.join(dir, 'bin'), { recursive: true });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['dinit', 'dinitctl', 'dinit-check', 'dinit-monitor', 'dinit-shutdown'])(
    '%s says in one line to run npm run build, with status 1',
    (name) => {
      const r = run(path.join(dir, 'bin', name), ['--help']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `${name}: dinit-ts is not built yet: run "npm run build" in ${dir} (then try again)\n`,
      );
    },
  );
});

// module.enableCompileCache() arrived in Node 22.1.
const hasCompileCache =
  typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

(built && hasCompileCache ? describe : describe.skip)('module compile cache', () => {
  it("keeps dinitctl's compiled code under the user's cache directory", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-cache-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache };
      delete env.NODE_DISABLE_COMPILE_CACHE;
      expect(run(path.join(BIN, 'dinitctl'), ['--version'], env).status).toBe(0);
      const dir = path.join(cache, 'dinit-ts', 'compile-cache');
      expect(fs.readdirSync(dir).length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
// Before 22.1 the launcher keeps V8's code cache of dinitctl's bundle itself.
const bundled = fs.existsSync(path.join(ROOT, 'dist/src/cli/main.bundle.js'));
(built && bundled && !hasCompileCache ? describe : describe.skip)('bundle code cache', () => {
  it("keeps the code of dinitctl's bundle under the user's cache directory and uses it", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-cache-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache };
      const dinitctl = path.join(BIN, 'dinitctl');
      expect(run(dinitctl, ['--version'], env).stdout).toBe('Dinit version 0.22.1.\n');
      const dir = path.join(cache, 'dinit-ts', 'code-cache');
      expect(fs.readdirSync(dir)).toEqual([expect.stringMatching(/^[0-9a-z]+!main\.bundle\.js-/)]);
      expect(run(dinitctl, ['--version'], env).stdout).toBe('Dinit version 0.22.1.\n');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
/**
 * A daemon run in `tmp` (with sd/p, a sleeper, and cache/ as XDG_CACHE_HOME): starts p, runs at
 * least a second, and exits on SIGTERM. Resolves to its exit status.
 */
async function daemonRun(tmp: string): Promise<number | null> {
  const sock = path.join(tmp, 'sock');
  const { spawn } = await import('node:child_process');
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') };
  delete env.NODE_DISABLE_COMPILE_CACHE;
  const d = spawn(
    path.join(BIN, 'dinit'),
    ['-u', '-q', '-d', path.join(tmp, 'sd'), '-p', sock, 'p'],
    {
      env,
      stdio: 'ignore',
    },
  );
  const exited = new Promise<number | null>((r) => d.once('exit', (code) => r(code)));
  const dinitctl = path.join(BIN, 'dinitctl');
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    await new Promise((r) => setTimeout(r, 20));
    up = run(dinitctl, ['-p', sock, 'is-started', 'p']).status === 0;
  }
  expect(up).toBe(true);
  await new Promise((r) => setTimeout(r, 1100));
  d.kill('SIGTERM');
  return exited;
}

/** A directory for daemonRun. */
function daemonDir(): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-mcache-'));
  fs.mkdirSync(path.join(tmp, 'cache'));
  fs.mkdirSync(path.join(tmp, 'sd'));
  fs.writeFileSync(path.join(tmp, 'sd', 'p'), 'type = process\ncommand = /bin/sleep 30\n');
  return tmp;
}

// The daemon ends itself at once once it is done (no teardown of Node's threads and heap), but
// not before Node's compile cache is written.
(built && hasCompileCache ? describe : describe.skip)('daemon compile cache', () => {
  it('is written by a daemon that exits on SIGTERM, which exits with 0', async () => {
    const tmp = daemonDir();
    try {
      expect(await daemonRun(tmp)).toBe(0);
      const dir = path.join(tmp, 'cache', 'dinit-ts', 'compile-cache');
      const files = (d: string): string[] =>
        fs
          .readdirSync(d, { withFileTypes: true })
          .flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [e.name]));
      expect(files(dir).length).toBeGreaterThan(0);
      expect(await daemonRun(tmp)).toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 20000);
});

// Before 22.1 the launcher also keeps V8's code cache of the daemon's modules (or bundle), made at
// the exit of a run that did some work, so that the next daemon does not compile as it goes.
(built && !hasCompileCache ? describe : describe.skip)('daemon module code cache', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = daemonDir();
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
  });
  const dinit = path.join(BIN, 'dinit');
  const cached = (): string[] => {
    const dir = path.join(tmp, 'cache', 'dinit-ts', 'code-cache');
    return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  };

  it('is made by a daemon that ran a second or more, not by --version, and then used', async () => {
    expect(run(dinit, ['--version'], env()).status).toBe(0);
    expect(cached()).toEqual([]);
    // Exits with 0 (a run that makes the cache keeps Node's normal exit, to write it).
    expect(await daemonRun(tmp)).toBe(0);
    const first = cached();
    // The daemon's bundle, or its modules where the build had no esbuild to make one.
    const bundled = fs.existsSync(path.join(BIN, '..', 'dist', 'src', 'daemon', 'main.bundle.js'));
    expect(first).toEqual(
      expect.arrayContaining(
        bundled
          ? [expect.stringMatching(/^[0-9a-z]+!src!daemon!main\.bundle\.js-\d+-\d+-v/)]
          : [
              expect.stringMatching(/^[0-9a-z]+!src!daemon!main\.js-\d+-\d+-v/),
              expect.stringMatching(/!src!core!service\.js-/),
              expect.stringMatching(/!adapters!posix!posix-os\.js-/),
            ],
      ),
    );
    // The next daemon finds them usable: none is made again, none left over; it ends itself
    // at once, with 0 too.
    expect(await daemonRun(tmp)).toBe(0);
    expect(cached()).toEqual(first);
  }, 20000);
});
if (!hasCompileCache) {
  process.stderr.write(
    `launchers: SKIPPED: compile cache test: Node.js ${process.version} has no module.enableCompileCache (22.1 or later)\n`,
  );
}
