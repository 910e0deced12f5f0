// The real daemon builds a service's environment as upstream does: Dinit's environment (with
// `dinitctl setenv`), filtered by the env-file's !clear / !unset / !import, then its variables.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
/** Override with DINIT / DINITCTL to check these expectations against upstream's binaries. */
const DINIT = process.env.DINIT ?? path.join(ROOT, 'bin/dinit');
const DINITCTL = process.env.DINITCTL ?? path.join(ROOT, 'bin/dinitctl');
const built =
  process.env.DINIT !== undefined || fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));

function ctl(socket: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(DINITCTL, ['-p', socket, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Variables a service printed with /usr/bin/env into its log file. */
function envOf(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

(built ? describe : describe.skip)('env-file rules on the real daemon', () => {
  let dir: string;
  let socket: string;
  let proc: ChildProcess;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-core-env-'));
    const sd = path.join(dir, 'sd');
    fs.mkdirSync(sd);
    socket = path.join(dir, 'socket');
    const svc = (name: string, envText: string): void => {
      fs.writeFileSync(path.join(sd, `${name}.env`), envText);
      fs.writeFileSync(
        path.join(sd, name),
        [
          'type = scripted',
          'command = /usr/bin/env',
          `logfile = ${path.join(dir, `${name}.out`)}`,
          `env-file = ${name}.env`,
          'load-options = export-service-name',
          '',
        ].join('\n'),
      );
    };
    fs.writeFileSync(path.join(sd, 'boot'), 'type = internal\n');
    svc('cleared', '!clear\n!import KEEP\n!import NOT_THERE\nA=1\n');
    svc('unset', '!unset DROP\nB=2\n');
    svc('reimport', '!unset DROP\n!import DROP\nC=3\n');
    proc = spawn(DINIT, ['-u', '-q', '-d', sd, '-p', socket, '-F', '3'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KEEP: 'k', DROP: 'd' },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let got = '';
      (proc.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
        got += b.toString();
        if (got.includes('\0')) resolve();
      });
      proc.on('exit', (c) => reject(new Error(`dinit exited (${c}) before ready`)));
    });
    expect(ctl(socket, 'setenv', 'GLOBAL=g').status).toBe(0);
  }, 30_000);

  afterAll(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('!clear keeps only imported names, and drops DINIT_SERVICE set before it', () => {
    expect(ctl(socket, 'start', 'cleared').status).toBe(0);
    const env = envOf(path.join(dir, 'cleared.out'));
    expect(env).toEqual({ KEEP: 'k', A: '1' });
  });

  test('!unset drops an inherited name; setenv values and DINIT_SERVICE still arrive', () => {
    expect(ctl(socket, 'start', 'unset').status).toBe(0);
    const env = envOf(path.join(dir, 'unset.out'));
    expect(env.DROP).toBeUndefined();
    expect(env).toMatchObject({ KEEP: 'k', GLOBAL: 'g', B: '2', DINIT_SERVICE: 'unset' });
  });

  test('!import after !unset brings the name back', () => {
    expect(ctl(socket, 'start', 'reimport').status).toBe(0);
    const env = envOf(path.join(dir, 'reimport.out'));
    expect(env).toMatchObject({ KEEP: 'k', DROP: 'd', C: '3' });
  });
});
