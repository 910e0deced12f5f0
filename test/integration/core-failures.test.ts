// The failed states and their reasons as `dinitctl start`, `status` and `list` show them on the
// real daemon (exit status, signal, start timeout, dependency, exec failure, bad pid files), and
// the log lines that go with them. Expected text is upstream's (run with DINIT/DINITCTL to check).

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

async function until(what: string, pred: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function logText(): string {
  try {
    return fs.readFileSync(path.join(dir, 'log'), 'utf8');
  } catch {
    return '';
  }
}

(built ? describe : describe.skip)('failed states and reasons on the real daemon', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-core-fail-'));
    const sd = path.join(dir, 'sd');
    fs.mkdirSync(sd);
    socket = path.join(dir, 'socket');
    const svc = (name: string, ...lines: string[]): void =>
      fs.writeFileSync(path.join(sd, name), lines.join('\n') + '\n');
    svc('boot', 'type = internal');
    svc('exit3', 'type = scripted', 'command = /bin/sh -c "exit 3"');
    svc('exit4', 'type = process', 'command = /bin/sh -c "exit 4"', 'restart = no');
    svc('killed', 'type = process', 'command = /bin/sh -c "kill -KILL $$$$"', 'restart = no');
    svc('slow', 'type = scripted', 'command = /bin/sleep 30', 'start-timeout = 0.5');
    svc('dep', 'type = internal', 'depends-on = exit3');
    svc('noexec', 'type = process', `command = ${path.join(dir, 'no-such-program')}`);
    const pidf = (n: string): string => path.join(dir, n);
    svc('bgnopid', 'type = bgprocess', 'command = /bin/true', `pid-file = ${pidf('none.pid')}`);
    svc(
      'bgdead',
      'type = bgprocess',
      `command = /bin/sh -c "echo 999999 > ${pidf('dead.pid')}"`,
      `pid-file = ${pidf('dead.pid')}`,
    );
    svc(
      'bgbad',
      'type = bgprocess',
      `command = /bin/sh -c "echo garbage > ${pidf('bad.pid')}"`,
      `pid-file = ${pidf('bad.pid')}`,
    );
    proc = spawn(
      DINIT,
      ['-u', '-q', '-d', sd, '-p', socket, '-l', path.join(dir, 'log'), '-F', '3'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      },
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

  test('scripted command exiting 3: failed to start with its exit status', () => {
    expect(ctl('start', 'exit3')).toEqual({
      status: 1,
      out:
        "Service 'exit3' failed to start.\n" +
        'Reason: service process terminated before ready: exited - status 3\n',
    });
    expect(ctl('status', 'exit3').out).toContain(
      '    State: STOPPED (failed to start; exited - status 3)\n',
    );
    expect(logText()).toContain('Service exit3 command failed with exit code 3\n');
  });

  test('a started process that exits 4: terminated, with the exit status in list', async () => {
    expect(ctl('start', 'exit4').status).toBe(0);
    await until('exit4 to stop', () => ctl('is-started', 'exit4').status !== 0);
    await until('exit4 to report stopped', () => ctl('status', 'exit4').out.includes('STOPPED'));
    expect(ctl('status', 'exit4').out).toContain(
      '    State: STOPPED (terminated; exited - status 4)\n',
    );
    expect(ctl('list').out).toContain('[     {X}] exit4 (exit status: 4)\n');
  });

  test('a started process killed by a signal: terminated, with the signal', async () => {
    expect(ctl('start', 'killed').status).toBe(0);
    await until('killed to report stopped', () => ctl('status', 'killed').out.includes('STOPPED'));
    expect(ctl('status', 'killed').out).toContain(
      '    State: STOPPED (terminated; signalled - signal 9)\n',
    );
    expect(ctl('list').out).toContain('[     {X}] killed (signal: 9)\n');
    expect(logText()).toContain('Service killed terminated due to signal 9\n');
  });

  test('start-timeout: SIGINT is sent and the start counts as timed out', async () => {
    expect(ctl('start', 'slow')).toEqual({
      status: 1,
      out: "Service 'slow' failed to start.\nReason: start timed out.\n",
    });
    await until('slow to report stopped', () => ctl('status', 'slow').out.includes('STOPPED'));
    expect(ctl('status', 'slow').out).toContain('    State: STOPPED (start timed out)\n');
    expect(ctl('list').out).toContain('[     {X}] slow\n');
    expect(logText()).toContain('Interrupting start of service slow with pid ');
    expect(logText()).toMatch(/Interrupting start of service slow with pid \d+ \(with SIGINT\)\./);
    expect(logText()).toContain('Service slow start cancelled from signal 2\n');
  });

  test('a failed dependency: dependency failed', () => {
    expect(ctl('start', 'dep')).toEqual({
      status: 1,
      out:
        "Service 'dep' failed to start.\n" +
        'Reason: a dependency of the service failed to start. Check dinit log.\n',
    });
    expect(ctl('status', 'dep').out).toContain(
      '    State: STOPPED (dependency failed/terminated)\n',
    );
  });

  test('exec failure: could not be launched, with stage and error', () => {
    expect(ctl('start', 'noexec').status).toBe(1);
    expect(ctl('status', 'noexec').out).toContain(
      '    State: STOPPED (could not be launched)\n' +
        '        Stage: executing command\n' +
        '        Error: No such file or directory\n',
    );
    expect(logText()).toContain(
      'noexec: execution failed - executing command: No such file or directory\n',
    );
  });

  test.each([
    ['bgnopid', 'bgnopid: read pid file: No such file or directory\n'],
    ['bgdead', 'bgdead: pid read from pidfile (999999) is not valid\n'],
    ['bgbad', 'bgbad: pid read from pidfile (-1) is not valid\n'],
  ])('bgprocess %s: a bad pid file is a start failure with upstream message', (name, line) => {
    expect(ctl('start', name)).toEqual({
      status: 1,
      out:
        `Service '${name}' failed to start.\n` +
        'Reason: service process terminated before ready: exited - status 0\n',
    });
    expect(ctl('status', name).out).toContain('    State: STOPPED (failed to start)\n');
    expect(logText()).toContain(line);
    expect(logText()).toContain(`service ${name} failed to start.\n`);
  });
});
