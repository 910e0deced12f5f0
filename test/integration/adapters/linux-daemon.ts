// Helpers for the Linux daemon tests (test/integration/linux-*.test.ts): a temp directory with
// service files written by the test, bin/dinit started on it (optionally under a command prefix
// such as setpriv), dinitctl on its socket, and the fixture probe's output read back.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DINIT, DINITCTL, ROOT, isBuilt, waitFor } from '../daemon-harness';
import { findExecHelper } from '../../../adapters/posix/posix-os';

export { DINITCTL, isBuilt, waitFor };
export const PROBE = path.join(ROOT, 'fixtures/linux/probe.sh');
export const FIXTURES = path.join(ROOT, 'fixtures/linux');
export const isRoot = process.getuid?.() === 0;

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

/** A test's temp directory: services in sd/, free for all users (services may run as nobody). */
export interface TestDir {
  dir: string;
  sd: string;
  /** Writes sd/<name> with the given lines. */
  service(name: string, ...lines: string[]): void;
  /** A fresh subdirectory (mode 0777) for one probe run. */
  outDir(name: string): string;
  remove(): void;
}

/** Creates the temp directory (mode 0755, so that other users can reach the fixtures). */
export function makeTestDir(): TestDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-linux-'));
  fs.chmodSync(dir, 0o755);
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd, { mode: 0o755 });
  return {
    dir,
    sd,
    service: (name, ...lines) => fs.writeFileSync(path.join(sd, name), lines.join('\n') + '\n'),
    outDir: (name) => {
      const o = path.join(dir, name);
      fs.mkdirSync(o);
      fs.chmodSync(o, 0o777);
      return o;
    },
    remove: () => {
      killRecorded(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGKILLs a daemon still running in dir and what the fixtures recorded under dir (files named
 * pid, *.pid, orphan.N) that is still a fixture or sleep process, so nothing is left running.
 */
function killRecorded(dir: string): void {
  const files: string[] = [];
  const walk = [dir];
  while (walk.length > 0) {
    const d = walk.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk.push(p);
      else if (e.isFile() && /^(pid|.*\.pid|orphan\.\d+)$/.test(e.name)) files.push(p);
    }
  }
  // A daemon started in dir (its cwd) that is somehow still running.
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readlinkSync(`/proc/${e}/cwd`) !== dir) continue;
      if (!fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(DINIT)) continue;
      process.kill(Number(e), 'SIGKILL');
    } catch {
      // Gone, or not ours to read.
    }
  }
  for (const f of files) {
    const pid = Number(fs.readFileSync(f, 'utf8').trim());
    if (!(pid > 1)) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('fixtures/linux') && !cmd.startsWith('sleep')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

/** The pid of bin/dinit itself: pid, or a child of it when a prefix such as strace forked. */
function findDaemonPid(pid: number): number {
  const isDinit = (p: number) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(DINIT);
    } catch {
      return false;
    }
  };
  if (isDinit(pid)) return pid;
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

export interface Dinit {
  proc: ChildProcess;
  /** The pid of bin/dinit (differs from proc.pid under a forking prefix such as strace). */
  pid: number;
  socket: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | string>;
  /** dinitctl -p <socket> args (bounded to 10 s). */
  ctl(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Stops the daemon with SIGTERM (SIGKILL after 5 s) if still running. */
  kill(): Promise<void>;
}

/**
 * Starts bin/dinit -u -q -d <t.sd> -p <t.dir>/socket -F 3 [args], behind `prefix` if given
 * (e.g. setpriv ...), and waits for the ready report. The socket directory must be writable
 * by the daemon's user.
 */
export async function startDinit(
  t: TestDir,
  args: string[] = [],
  opts: { prefix?: string[]; env?: NodeJS.ProcessEnv; socketDir?: string } = {},
): Promise<Dinit> {
  const socket = path.join(opts.socketDir ?? t.dir, 'socket');
  const argv = ['-u', '-q', '-d', t.sd, '-p', socket, '-F', '3', ...args];
  const prefix = opts.prefix ?? [];
  const cmd = prefix.length > 0 ? prefix[0] : DINIT;
  const cmdArgs = prefix.length > 0 ? [...prefix.slice(1), DINIT, ...argv] : argv;
  const proc = spawn(cmd, cmdArgs, {
    cwd: t.dir,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
  );
  let daemonPid = proc.pid ?? -1;
  // Stop the daemon as a user would (SIGTERM stops its services), then make sure.
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      process.kill(daemonPid, 'SIGTERM');
      await waitFor('the daemon to exit', () => !fs.existsSync(`/proc/${daemonPid}`), 5000);
    } catch {
      // Not gone in time, or already gone.
    }
    try {
      process.kill(daemonPid, 'SIGKILL');
    } catch {
      // Gone.
    }
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  };
  const readyPipe = proc.stdio[3] as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`dinit not ready; stderr: ${err}`)), 15000);
    readyPipe.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes('\0')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dinit exited (${code}) before ready; stderr: ${err}`));
    });
  }).catch(async (e) => {
    await kill();
    throw e;
  });
  daemonPid = findDaemonPid(daemonPid);
  return {
    proc,
    pid: daemonPid,
    socket,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill,
    ctl: (...a) => {
      const r = spawnSync(DINITCTL, ['-p', socket, ...a], { encoding: 'utf8', timeout: 10000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

/** Waits for the probe's "done" marker in out and returns a reader for its files. */
export async function probeResult(out: string): Promise<(facet: string) => string> {
  await waitFor(`probe output in ${out}`, () => fs.existsSync(path.join(out, 'done')));
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

/** True if pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Children of pid that are zombies (state Z), from /proc. */
export function zombieChildren(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' && Number(rest[1]) === pid) out.push(Number(e));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Whether a command is on PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
