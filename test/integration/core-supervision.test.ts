// Supervision on the real daemon: restart limits (and what happens when exceeded),
// restart = on-failure with deliberate and other signals, stop-timeout escalation to SIGKILL.
// The expected log lines are upstream's (run with DINIT/DINITCTL to check).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DINIT = process.env.DINIT ?? path.join(ROOT, 'bin/dinit');
const DINITCTL = process.env.DINITCTL ?? path.join(ROOT, 'bin/dinitctl');
const built =
  process.env.DINIT !== undefined || fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));

let dir: string;
let socket: string;
let proc: ChildProcess;

function ctl(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(DINITCTL, ['-p', socket, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Log lines about one service (the daemon logs to $dir/log). */
function logOf(name: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, 'log'), 'utf8');
  } catch {
    return [];
  }
  const re = new RegExp(`\\b${name}\\b`);
  return text
    .split('\n')
    .filter((l) => re.test(l))
    .map((l) => l.replace(/pid \d+/, 'pid N'));
}

async function until(what: string, pred: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

(built ? describe : describe.skip)('supervision on the real daemon', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-core-sup-'));
    const sd = path.join(dir, 'sd');
    fs.mkdirSync(sd);
    socket = path.join(dir, 'socket');
    const svc = (name: string, ...lines: string[]): void =>
      fs.writeFileSync(path.join(sd, name), lines.join('\n') + '\n');
    svc('boot', 'type = internal');
    svc(
      'flap',
      'type = process',
      'command = /bin/sh -c "sleep 0.05; exit 1"',
      'restart = yes',
      'restart-delay = 0.01',
      'restart-limit-count = 2',
      'restart-limit-interval = 60',
    );
    svc(
      'stubborn',
      'type = process',
      'command = /bin/sh -c "trap \\"\\" TERM; while :; do sleep 0.1; done"',
      'stop-timeout = 0.5',
    );
    svc(
      'termself',
      'type = process',
      'command = /bin/sh -c "sleep 0.05; kill -TERM $$$$"',
      'restart = on-failure',
    );
    svc(
      'segv',
      'type = process',
      'command = /bin/sh -c "sleep 0.05; kill -SEGV $$$$"',
      'restart = on-failure',
      'restart-delay = 0.01',
      'restart-limit-count = 1',
      'restart-limit-interval = 60',
    );
    svc(
      'smooth',
      'type = process',
      'command = /bin/sleep 60',
      'smooth-recovery = yes',
      'restart-delay = 0.01',
    );
    svc('user', 'type = internal', 'depends-on = smooth');
    svc('skip', 'type = scripted', 'command = /bin/sleep 60', 'options = skippable');
    svc('nonint', 'type = scripted', 'command = /bin/sleep 1', 'stop-command = /bin/true');
    svc('intr', 'type = scripted', 'command = /bin/sleep 60', 'options = start-interruptible');
    proc = spawn(
      DINIT,
      ['-u', '-q', '-d', sd, '-p', socket, '-l', path.join(dir, 'log'), '-F', '3'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let got = '';
      (proc.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
        got += b.toString();
        if (got.includes('\0')) resolve();
      });
      proc.on('exit', (c) => reject(new Error(`dinit exited (${c}) before ready`)));
    });
  }, 30_000);

  afterAll(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('restart-limit-count restarts in the window, then "restarting too quickly; stopping"', async () => {
    expect(ctl('start', 'flap').status).toBe(0);
    await until(
      'flap to give up',
      () =>
        logOf('flap').includes('dinit: service flap stopped.') &&
        logOf('flap').some((l) => l.includes('restarting too quickly')),
    );
    await until('flap stopped', () => ctl('status', 'flap').out.includes('STOPPED'));
    const started = 'dinit: service flap started.';
    const exit1 = 'dinit: Service flap process terminated with exit code 1';
    const stopped = 'dinit: service flap stopped.';
    expect(logOf('flap')).toEqual([
      started,
      exit1,
      stopped,
      started,
      exit1,
      stopped,
      started,
      exit1,
      'dinit: Service flap restarting too quickly; stopping.',
      stopped,
    ]);
    expect(ctl('status', 'flap').out).toContain('State: STOPPED (terminated; exited - status 1)');
  }, 40_000);

  test('stop-timeout expiry kills the process (SIGKILL) and the service stops', () => {
    expect(ctl('start', 'stubborn').status).toBe(0);
    expect(ctl('stop', 'stubborn')).toEqual({ status: 0, out: "Service 'stubborn' stopped.\n" });
    expect(logOf('stubborn')).toEqual([
      'dinit: service stubborn started.',
      'dinit: Service stubborn with pid N exceeded allowed stop time; killing.',
      'dinit: service stubborn stopped.',
    ]);
  });

  test('restart = on-failure: SIGTERM is deliberate (no restart); SIGSEGV is a failure', async () => {
    expect(ctl('start', 'termself').status).toBe(0);
    await until('termself stopped', () =>
      logOf('termself').includes('dinit: service termself stopped.'),
    );
    expect(ctl('status', 'termself').out).toContain(
      'State: STOPPED (terminated; signalled - signal 15)',
    );
    expect(logOf('termself')).toEqual([
      'dinit: service termself started.',
      'dinit: Service termself terminated due to signal 15',
      'dinit: service termself stopped.',
    ]);
    expect(ctl('start', 'segv').status).toBe(0);
    await until('segv to give up', () => logOf('segv').some((l) => l.includes('too quickly')));
    await until('segv stopped', () => ctl('status', 'segv').out.includes('STOPPED'));
    expect(logOf('segv')).toEqual([
      'dinit: service segv started.',
      'dinit: Service segv terminated due to signal 11',
      'dinit: service segv stopped.',
      'dinit: service segv started.',
      'dinit: Service segv terminated due to signal 11',
      'dinit: Service segv restarting too quickly; stopping.',
      'dinit: service segv stopped.',
    ]);
  }, 40_000);

  test('smooth-recovery: a new process while the service and its dependents stay started', async () => {
    expect(ctl('start', 'user').status).toBe(0);
    const pidOf = (): number => Number(/Process ID: (\d+)/.exec(ctl('status', 'smooth').out)?.[1]);
    const first = pidOf();
    expect(first).toBeGreaterThan(1);
    process.kill(first, 'SIGKILL');
    await until('a new smooth process', () => pidOf() > 1 && pidOf() !== first);
    expect(ctl('status', 'smooth').out).toContain('    State: STARTED\n');
    expect(ctl('is-started', 'user').status).toBe(0);
    expect(logOf('smooth')).toEqual([
      'dinit: service smooth started.',
      'dinit: Service smooth terminated due to signal 9',
    ]);
    expect(logOf('user')).toEqual(['dinit: service user started.']);
    // Released by its only dependent, smooth stops too.
    expect(ctl('stop', 'user').status).toBe(0);
    await until('smooth stopped', () => ctl('is-started', 'smooth').status !== 0);
  }, 40_000);

  test('skippable: a start command ended by SIGINT from outside counts as started (skipped)', async () => {
    expect(ctl('start', '--no-wait', 'skip').status).toBe(0);
    const pid = (): number => Number(/Process ID: (\d+)/.exec(ctl('status', 'skip').out)?.[1]);
    await until('skip command running', () => pid() > 1);
    process.kill(pid(), 'SIGINT');
    await until('skip started', () => ctl('is-started', 'skip').status === 0);
    expect(ctl('status', 'skip').out).toContain('    State: STARTED (startup skipped)\n');
    expect(ctl('list').out).toContain('[[s]     ] skip\n');
    expect(ctl('stop', 'skip').status).toBe(0);
  });

  test('without start-interruptible a stop waits for the start; with it the start is interrupted', () => {
    expect(ctl('start', '--no-wait', 'nonint').status).toBe(0);
    expect(ctl('stop', 'nonint')).toEqual({ status: 0, out: "Service 'nonint' stopped.\n" });
    expect(logOf('nonint')).toEqual([
      'dinit: service nonint started.',
      'dinit: service nonint stopped.',
    ]);
    expect(ctl('start', '--no-wait', 'intr').status).toBe(0);
    expect(ctl('stop', 'intr')).toEqual({ status: 0, out: "Service 'intr' stopped.\n" });
    expect(logOf('intr')).toEqual([
      'dinit: Interrupting start of service intr with pid N (with SIGINT).',
      'dinit: Service intr start cancelled from signal 2',
      'dinit: service intr stopped.',
    ]);
  });
});
