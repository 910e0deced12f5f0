// The real daemon (bin/dinit) loads, starts and stops a depends-on chain of 5,000 internal
// services: graph walks are iterative, so there is no depth limit (upstream stops at 32).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DINIT = path.join(ROOT, 'bin/dinit');
const DINITCTL = path.join(ROOT, 'bin/dinitctl');
const built = fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));
const CHAIN = 5000;

/** Start bin/dinit in user mode on `dir`/socket with services from `sd`; resolve once ready. */
async function startDinit(
  dir: string,
  sd: string,
): Promise<{ proc: ChildProcess; socket: string }> {
  const socket = path.join(dir, 'socket');
  const proc = spawn(DINIT, ['-u', '-q', '-d', sd, '-p', socket, '-F', '3'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    let got = '';
    (proc.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes('\0')) resolve();
    });
    proc.on('exit', (c) => reject(new Error(`dinit exited (${c}) before ready: ${err}`)));
  });
  return { proc, socket };
}

function ctl(socket: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(DINITCTL, ['-p', socket, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

(built ? describe : describe.skip)('a 5,000-deep depends-on chain on the real daemon', () => {
  let dir: string;
  let proc: ChildProcess | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-core-chain-'));
  });
  afterAll(() => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('loads, starts and stops every service in the chain', async () => {
    const sd = path.join(dir, 'sd');
    fs.mkdirSync(sd);
    // Without a service to start on the command line, dinit starts 'boot'.
    fs.writeFileSync(path.join(sd, 'boot'), 'type = internal\n');
    for (let i = 0; i < CHAIN; i++) {
      const dep = i + 1 < CHAIN ? `depends-on = s${i + 1}\n` : '';
      fs.writeFileSync(path.join(sd, `s${i}`), `type = internal\n${dep}`);
    }
    const d = await startDinit(dir, sd);
    proc = d.proc;

    const started = ctl(d.socket, 'start', 's0');
    expect(started).toEqual({ status: 0, out: 'Service started.\n' });
    const list = ctl(d.socket, 'list');
    expect(list.status).toBe(0);
    const lines = list.out.split('\n').filter((l) => /\bs\d+$/.test(l));
    expect(lines).toHaveLength(CHAIN);
    // s0 is marked active ([+]); every other service is started as a dependency ({+}).
    expect(lines[0]).toBe('[[+]     ] s0');
    expect(lines.slice(1).every((l) => l.startsWith('[{+}     ]'))).toBe(true);
    expect(ctl(d.socket, 'is-started', `s${CHAIN - 1}`).status).toBe(0);

    // Stopping the head releases the whole chain down to the deepest service.
    const stopped = ctl(d.socket, 'stop', 's0');
    expect(stopped).toEqual({ status: 0, out: 'Service stopped.\n' });
    expect(ctl(d.socket, 'is-started', `s${CHAIN - 1}`).status).not.toBe(0);
    const after = ctl(d.socket, 'list')
      .out.split('\n')
      .filter((l) => /\bs\d+$/.test(l));
    expect(after.every((l) => l.startsWith('[     {-}]'))).toBe(true);

    // Stopping the deepest service of a started chain stops every dependent before it.
    expect(ctl(d.socket, 'start', 's0').status).toBe(0);
    expect(ctl(d.socket, 'stop', '--force', `s${CHAIN - 1}`).status).toBe(0);
    expect(ctl(d.socket, 'is-started', 's0').status).not.toBe(0);

    proc.kill('SIGTERM');
    await new Promise((r) => proc!.once('exit', r));
  }, 600_000);
});
