// The daemon harness of the integration tests: a sandbox (a temp directory with a service
// directory the test writes), bin/dinit started on it in user mode and driven with dinitctl, and
// a close that stops the daemon and kills every process the sandbox started, failed or not.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findExecHelper } from '../../adapters/posix/native-programs';
import { eventually } from './eventually';
import { SANDBOX_MARK, killQuietly, sweep } from './processes';

export const ROOT = path.resolve(__dirname, '../..');
/** The daemon under test (override with DINIT to run these tests against upstream's). */
export const DINIT = process.env.DINIT ?? path.join(ROOT, 'bin/dinit');
/** The dinitctl used to drive the daemon (override with DINITCTL to compare with upstream's). */
export const DINITCTL = process.env.DINITCTL ?? path.join(ROOT, 'bin/dinitctl');
/** Fixture services of the daemon tests; they record what they do in $OUT_DIR. */
export const SERVICES = path.join(ROOT, 'fixtures/integration/services');
/** Fixture programs of the Linux tests. */
export const FIXTURES = path.join(ROOT, 'fixtures/linux');
/** Writes what a process sees (ids, limits, environment, fds) into the directory it is given. */
export const PROBE = path.join(FIXTURES, 'probe.sh');

/** True when the daemon has been built (integration tests need `npm run build`). */
export function isBuilt(): boolean {
  return (
    process.env.DINIT !== undefined || fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'))
  );
}

const helperBuilt = findExecHelper(path.join(ROOT, 'adapters', 'linux')) !== undefined;

/**
 * True when the exec helper is built. Otherwise false, after saying once on stderr that the
 * tests of `file` that need it are skipped and why (no C compiler when npm run build ran).
 */
export function needsHelper(file: string): boolean {
  if (!helperBuilt) {
    process.stderr.write(
      `${path.basename(file)}: SKIPPED (tests needing the exec helper): the exec helper is not ` +
        'built; install a C compiler (cc) and run npm run build\n',
    );
  }
  return helperBuilt;
}

export interface CtlResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Dinit {
  proc: ChildProcess;
  /** The pid of bin/dinit (differs from proc.pid under a forking prefix such as strace). */
  pid: number;
  socket: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the daemon has exited. */
  exited: Promise<number | string>;
  /** dinitctl -p <socket> args. */
  ctl(...args: string[]): CtlResult;
  /** The same, with stdout and stderr together as a terminal shows them. */
  ctlOut(...args: string[]): { status: number | null; out: string };
  /** The exit status; rejects if the daemon has not exited within timeoutMs. */
  exitWithin(timeoutMs?: number): Promise<number | string>;
  /** Stops the daemon with SIGTERM (its services stop as on a shutdown), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The daemon to run (default: bin/dinit; upstream's for the cross-checks). */
  dinit?: string;
  /** A command the daemon runs under, e.g. setpriv ... or strace ... */
  prefix?: string[];
  /** The daemon's environment (default: ours); the sandbox mark is added. */
  env?: NodeJS.ProcessEnv;
  /** Where the control socket goes (default: the sandbox directory). */
  socketDir?: string;
  /** The service directory (default: the sandbox's sd/). */
  servicesDir?: string;
  /** Pass -q (default true). */
  quiet?: boolean;
  /** Bound on each dinitctl run (default 20 s). */
  ctlTimeoutMs?: number;
}

const open = new Set<Sandbox>();

/** Resolves true once p settles, false after ms. */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** The pid of the daemon itself: pid, or a child of it when a prefix such as strace forked. */
function findDaemonPid(pid: number, dinit: string): number {
  const isDinit = (p: number): boolean => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dinit);
    } catch {
      return false;
    }
  };
  if (!fs.existsSync('/proc') || isDinit(pid)) return pid;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        if (c.trim() !== '' && isDinit(Number(c))) return Number(c);
      }
    }
  } catch {
    // Fall back to pid.
  }
  return pid;
}

/** Resolves once the daemon reports readiness on fd 3 with its socket path. */
function readyReport(
  proc: ChildProcess,
  exited: Promise<number | string>,
  socket: string,
  stderr: () => string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let got = '';
    const timer = setTimeout(
      () => reject(new Error(`dinit not ready; stderr: ${stderr()}`)),
      15000,
    );
    (proc.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
      got += b.toString();
      if (!got.includes('\0')) return;
      clearTimeout(timer);
      if (got === `${socket}\0`) resolve();
      else reject(new Error(`unexpected ready report: ${JSON.stringify(got)}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dinit exited (${code}) before ready; stderr: ${stderr()}`));
    });
  });
}

/** Spawns bin/dinit for a sandbox; the returned promise is its readiness. */
function spawnDinit(
  sb: Sandbox,
  args: string[],
  opts: StartOptions,
): { d: Dinit; ready: Promise<void> } {
  const socket = path.join(opts.socketDir ?? sb.dir, 'socket');
  const argv = ['-u', '-d', opts.servicesDir ?? sb.sd, '-p', socket, '-F', '3'];
  if (opts.quiet !== false) argv.push('-q');
  argv.push(...args);
  const prefix = opts.prefix ?? [];
  const [cmd, ...cmdArgs] = [...prefix, opts.dinit ?? DINIT, ...argv];
  const proc = spawn(cmd, cmdArgs, {
    cwd: sb.dir,
    env: sb.env(opts.env),
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, sig) => resolve(code ?? sig ?? 'unknown'));
    // A spawn failure (no such program) comes as 'error' without 'exit'.
    proc.on('error', (e) => resolve(`spawn error: ${e.message}`));
  });
  const ctl = (...a: string[]): CtlResult => {
    const r = spawnSync(DINITCTL, ['-p', socket, ...a], {
      encoding: 'utf8',
      timeout: opts.ctlTimeoutMs ?? 20000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const d: Dinit = {
    proc,
    pid: proc.pid ?? -1,
    socket,
    stdout: () => out,
    stderr: () => err,
    exited,
    ctl,
    ctlOut: (...a) => {
      const r = ctl(...a);
      return { status: r.status, out: r.stdout + r.stderr };
    },
    exitWithin: async (ms = 10000) => {
      if (!(await settlesWithin(exited, ms))) throw new Error('dinit did not exit in time');
      return exited;
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      try {
        process.kill(d.pid, 'SIGTERM');
      } catch {
        // Gone meanwhile.
      }
      if (await settlesWithin(exited, 5000)) return;
      killQuietly(d.pid);
      proc.kill('SIGKILL');
      await settlesWithin(exited, 5000);
    },
  };
  return { d, ready: readyReport(proc, exited, socket, () => err) };
}

/**
 * A temp directory for one test (or one describe block) with its service directory sd/. What
 * it starts is killed when it closes: its daemons, tracked pids, and any process that carries
 * its mark, runs in it or names it on its command line.
 */
export class Sandbox {
  dir = '';
  sd = '';
  private readonly daemons: Dinit[] = [];
  private readonly tracked: number[] = [];

  constructor(private readonly prefix = 'dinit-test-') {}

  /** Creates the directory (mode 0755, so that services running as other users reach it). */
  open(): void {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), this.prefix));
    fs.chmodSync(this.dir, 0o755);
    this.sd = path.join(this.dir, 'sd');
    fs.mkdirSync(this.sd, { mode: 0o755 });
    open.add(this);
  }

  /** A path inside the sandbox. */
  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Writes sd/<name> with the given lines. */
  service(name: string, ...lines: string[]): void {
    fs.writeFileSync(path.join(this.sd, name), lines.join('\n') + '\n');
  }

  /** A fresh subdirectory (mode 0777) for one probe run. */
  outDir(name: string): string {
    const o = this.path(name);
    fs.mkdirSync(o);
    fs.chmodSync(o, 0o777);
    return o;
  }

  /** The text of a file in the sandbox, or '' while it does not exist. */
  read(name: string): string {
    try {
      return fs.readFileSync(this.path(name), 'utf8');
    } catch {
      return '';
    }
  }

  /** The non-empty lines of a file in the sandbox (e.g. events the fixtures append to). */
  lines(name: string): string[] {
    return this.read(name)
      .split('\n')
      .filter((l) => l !== '');
  }

  /** An environment for a process the test starts itself, marked so that close() finds it. */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return { ...base, [SANDBOX_MARK]: this.dir };
  }

  /** A process started outside the sandbox that close() must kill too. */
  track(pid: number): void {
    this.tracked.push(pid);
  }

  /**
   * Starts bin/dinit (or opts.dinit) -u -q -d <sd> -p <dir>/socket -F 3 [args] in the sandbox, behind
   * opts.prefix if given, and waits for its ready report. On failure, what it started is
   * killed at once (not only at close), and the error says why.
   */
  async start(args: string[] = [], opts: StartOptions = {}): Promise<Dinit> {
    const { d, ready } = spawnDinit(this, args, opts);
    this.daemons.push(d);
    try {
      await ready;
    } catch (e) {
      await this.killAll();
      throw e;
    }
    d.pid = findDaemonPid(d.pid, opts.dinit ?? DINIT);
    return d;
  }

  private async killAll(): Promise<void> {
    for (const d of this.daemons.splice(0)) await d.stop();
    for (const p of this.tracked.splice(0)) killQuietly(p);
    await sweep(this.dir);
  }

  /** Stops the daemons, kills everything else the sandbox started, and removes it. */
  async close(): Promise<void> {
    if (this.dir === '') return;
    await this.killAll();
    fs.rmSync(this.dir, { recursive: true, force: true });
    open.delete(this);
    this.dir = '';
    this.sd = '';
  }
}

/** A sandbox opened before each test and closed after it. */
export function sandboxEach(prefix?: string): Sandbox {
  const sb = new Sandbox(prefix);
  beforeEach(() => sb.open());
  afterEach(() => sb.close());
  return sb;
}

/** A sandbox shared by the tests of a describe block. */
export function sandboxAll(prefix?: string): Sandbox {
  const sb = new Sandbox(prefix);
  beforeAll(() => sb.open());
  afterAll(() => sb.close());
  return sb;
}

// Whatever a test file left open (a hook that threw before its close) is closed at its end.
afterAll(async () => {
  for (const sb of [...open]) await sb.close();
});

/** Waits for the probe's "done" marker in out and returns a reader for its files. */
export async function probeResult(out: string): Promise<(facet: string) => string> {
  await eventually(`probe output in ${out}`, () => fs.existsSync(path.join(out, 'done')));
  return (facet) => {
    try {
      return fs.readFileSync(path.join(out, facet), 'utf8');
    } catch {
      return '';
    }
  };
}

/** Parses `env` output into a map. */
export function parseEnv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}
