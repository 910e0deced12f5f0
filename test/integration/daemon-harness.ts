// Helpers for the daemon integration tests: start the built bin/dinit in user mode on a temp
// socket with the fixture services, wait on what the fixture scripts write, drive it with
// dinitctl, and kill everything a test started.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
/** The daemon under test (override with DINIT to run these tests against upstream's). */
export const DINIT = process.env.DINIT ?? path.join(ROOT, 'bin/dinit');
/** The dinitctl used to drive the daemon (override with DINITCTL to compare with upstream's). */
export const DINITCTL = process.env.DINITCTL ?? path.join(ROOT, 'bin/dinitctl');
export const SERVICES = path.join(ROOT, 'fixtures/integration/services');

/** True when the daemon has been built (integration tests need `npx tsc -p tsconfig.json`). */
export function isBuilt(): boolean {
  return (
    process.env.DINIT !== undefined || fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'))
  );
}

export interface RunningDaemon {
  proc: ChildProcess;
  dir: string;
  socket: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the daemon has exited. */
  exited: Promise<number | string>;
  /** Kill the daemon and every fixture process that left a pid file; remove the temp dir. */
  cleanup(): Promise<void>;
}

/**
 * Start [prefix...] bin/dinit -u -d <fixtures> -p <tmp>/socket <args...> with OUT_DIR=<tmp>, and wait for
 * its --ready-fd report. Rejects if the daemon exits before reporting ready or after timeoutMs.
 */
export async function startDaemon(
  args: string[],
  opts: { timeoutMs?: number; quiet?: boolean; prefix?: string[] } = {},
): Promise<RunningDaemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-itest-'));
  const socket = path.join(dir, 'socket');
  const argv = ['-u', '-d', SERVICES, '-p', socket, '-F', '3'];
  if (opts.quiet !== false) argv.push('-q');
  argv.push(...args);
  // A prefix (such as nohup) runs the daemon through another command.
  const [file, ...fileArgs] = [...(opts.prefix ?? []), DINIT];
  const proc = spawn(file, [...fileArgs, ...argv], {
    cwd: dir,
    env: { ...process.env, OUT_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
  );
  const cleanup = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
      if (pid > 1) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const readyPipe = proc.stdio[3] as NodeJS.ReadableStream;
  const ready = await new Promise<string>((resolve, reject) => {
    let got = '';
    const timer = setTimeout(
      () => reject(new Error(`dinit not ready in time; stderr: ${err}`)),
      opts.timeoutMs ?? 10000,
    );
    readyPipe.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes('\0')) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dinit exited (${code}) before ready; stderr: ${err}`));
    });
  }).catch(async (e) => {
    await cleanup();
    throw e;
  });
  if (ready !== `${socket}\0`) {
    await cleanup();
    throw new Error(`unexpected ready report: ${JSON.stringify(ready)}`);
  }
  return { proc, dir, socket, stdout: () => out, stderr: () => err, exited, cleanup };
}

/** Run dinitctl -p <socket> args... and return its status and output (bounded to 10 s). */
export function ctl(
  d: RunningDaemon,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(DINITCTL, ['-p', d.socket, ...args], { encoding: 'utf8', timeout: 10000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Lines of $OUT_DIR/events written by the fixture scripts so far. */
export function events(d: RunningDaemon): string[] {
  try {
    return fs
      .readFileSync(path.join(d.dir, 'events'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}

/** Poll until pred() is true; rejects with `what` after timeoutMs. */
export async function waitFor(what: string, pred: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolve with the daemon's exit status, or reject after timeoutMs. */
export function exitWithin(d: RunningDaemon, timeoutMs = 10000): Promise<number | string> {
  return Promise.race([
    d.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('dinit did not exit in time')), timeoutMs).unref(),
    ),
  ]);
}

/** The pid a fixture script recorded in $OUT_DIR/<name>.pid, or undefined. */
export function recordedPid(d: RunningDaemon, name: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(d.dir, `${name}.pid`), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
