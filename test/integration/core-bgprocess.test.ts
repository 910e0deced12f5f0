// bgprocess on the real daemon: the launcher exits, the pid file is read, the daemon it names
// is supervised (restarted when it dies) and signalled when the service stops.

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
  const r = spawnSync(DINITCTL, ['-p', socket, ...args], { encoding: 'utf8', timeout: 8_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); /proc says whether it is one.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function until(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pidFile = (): string => path.join(dir, 'd.pid');
const daemonPid = (): number => {
  try {
    return Number(fs.readFileSync(pidFile(), 'utf8').trim());
  } catch {
    return 0;
  }
};

(built ? describe : describe.skip)('bgprocess on the real daemon', () => {
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-core-bg-'));
    const sd = path.join(dir, 'sd');
    fs.mkdirSync(sd);
    socket = path.join(dir, 'socket');
    fs.writeFileSync(path.join(sd, 'boot'), 'type = internal\n');
    fs.writeFileSync(
      path.join(sd, 'd'),
      [
        'type = bgprocess',
        `command = /bin/sh -c "sleep 60 & echo $$! > ${pidFile()}"`,
        `pid-file = ${pidFile()}`,
        'restart = yes',
        'restart-delay = 0.01',
        'stop-timeout = 4',
        '',
      ].join('\n'),
    );
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

  afterEach(async () => {
    const pid = daemonPid();
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    if (pid > 1 && alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the daemon named by the pid file is supervised: restarted when it dies', async () => {
    expect(ctl('start', 'd')).toEqual({ status: 0, out: "Service 'd' started.\n" });
    const first = daemonPid();
    expect(ctl('status', 'd').out).toContain(`    Process ID: ${first}\n`);
    process.kill(first, 'SIGKILL');
    await until('a new daemon', () => daemonPid() !== first && ctl('is-started', 'd').status === 0);
    expect(ctl('status', 'd').out).toContain(`    Process ID: ${daemonPid()}\n`);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toContain(
      'dinit: Service d terminated due to signal 9\n',
    );
  }, 30_000);

  test('stop signals the daemon (its process group) and completes when it exits', async () => {
    expect(ctl('start', 'd').status).toBe(0);
    const pid = daemonPid();
    expect(ctl('stop', 'd')).toEqual({ status: 0, out: "Service 'd' stopped.\n" });
    await until('the daemon to be gone', () => !alive(pid), 2_000);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).not.toContain('exceeded allowed stop');
  }, 30_000);
});
