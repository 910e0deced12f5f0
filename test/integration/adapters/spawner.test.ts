// The spawner on its own, driven through its socketpair by the daemon's client: launches with
// an fd map and environment, exec failures as (stage, errno) without an exit, signals, real
// pipes, and the exits of adopted orphans. Skipped without the built spawner (no C compiler).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadLibc, type Libc } from '../../../adapters/posix/ffi';
import { findNativeProgram } from '../../../adapters/posix/native-programs';
import {
  MAP_INHERIT,
  MAP_NULL,
  Spawner,
  type SpawnCallbacks,
} from '../../../adapters/posix/spawner';
import { bindUnixMsg } from '../../../adapters/posix/unix-msg';
import type { ExitStatus } from '../../../src/model';

const program = findNativeProgram(
  'dinit-spawner',
  'DINIT_SPAWNER',
  path.resolve(__dirname, '../../../adapters/linux'),
);
const libc = process.platform === 'linux' ? loadLibc(['libc.so.6', '']) : undefined;
const msg = libc && bindUnixMsg(libc, process.platform, os.endianness());
if (!program || !msg) console.warn('spawner tests skipped: spawner not built or no FFI layer');
const describeSpawner = program && msg ? describe : describe.skip;

interface Outcome {
  pid: number;
  started: boolean;
  failed?: [number, number];
  exit?: ExitStatus;
}

describeSpawner('spawner', () => {
  let sp: Spawner;
  const c = libc as Libc;
  beforeEach(() => {
    sp = Spawner.start(program as string, c, msg!);
  });
  afterEach(() => sp.dispose());

  /** Launches and resolves once the exec failed or the process exited. */
  function run(argv: string[], opts: { ops?: string[]; map?: number[]; fds?: number[] } = {}) {
    return new Promise<Outcome>((resolve, reject) => {
      const out: Outcome = { pid: -1, started: false };
      const cb: SpawnCallbacks = {
        sent: () => {},
        forked: (pid) => (out.pid = pid),
        started: () => (out.started = true),
        failed: (stage, errno) => resolve({ ...out, failed: [stage, errno] }),
        exited: (exit) => resolve({ ...out, exit }),
      };
      const env = { PATH: '/usr/bin:/bin', GREETING: 'hello' };
      const r = sp.launch(
        {
          map: opts.map ?? [MAP_NULL, MAP_INHERIT, MAP_INHERIT],
          fds: opts.fds ?? [],
          ops: opts.ops ?? [],
          argv,
          env,
        },
        cb,
      );
      if (!r) reject(new Error('spawner refused the launch'));
    });
  }

  it('launches a command with its environment and reports its exit code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawner-'));
    const file = path.join(dir, 'out');
    const fd = fs.openSync(file, 'w');
    const r = await run(['sh', '-c', 'echo $GREETING; exit 3'], {
      map: [MAP_NULL, 0, 0],
      fds: [fd],
    });
    fs.closeSync(fd);
    expect(r).toMatchObject({ started: true, exit: { kind: 'exited', code: 3 } });
    expect(r.pid).toBeGreaterThan(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('hello\n');
    fs.rmSync(dir, { recursive: true });
  });

  it('reports a failed exec as stage 18 with its errno and no exit', async () => {
    expect(await run(['/nonexistent-command'])).toMatchObject({ started: false, failed: [18, 2] });
  });

  it('reports a failing pre-exec step with its stage', async () => {
    const r = await run(['true'], { ops: ['chdir', '/nonexistent-dir'] });
    expect(r).toMatchObject({ failed: [5, 2] });
  });

  it('gives the child a real pipe that it can reopen through /proc', async () => {
    const [rd, wr] = c.pipeCloexec();
    const r = await run(['sh', '-c', 'echo ok > /proc/self/fd/5'], {
      map: [MAP_NULL, MAP_INHERIT, MAP_INHERIT, MAP_NULL, MAP_NULL, 0],
      fds: [wr],
    });
    c.close(wr);
    expect(r.exit).toEqual({ kind: 'exited', code: 0 });
    const buf = Buffer.alloc(16);
    expect(fs.readSync(rd, buf, 0, 16, null)).toBe(3);
    expect(buf.subarray(0, 3).toString()).toBe('ok\n');
    c.close(rd);
  });

  it('signals a running child and reports the signal', async () => {
    const done = run(['sleep', '30'], { ops: ['setsid'] });
    await new Promise((r) => setTimeout(r, 100));
    const pid = sp.watchedPids()[0];
    expect(sp.signal(pid, 15, true)).toBe(true);
    expect((await done).exit).toEqual({ kind: 'signalled', signal: 15, coreDumped: false });
  });

  it('delivers the signals of one turn, sent together, to each child', async () => {
    const runs = [0, 1, 2].map(() => run(['sleep', '30'], { ops: ['setsid'] }));
    await new Promise((r) => setTimeout(r, 200));
    const pids = sp.watchedPids();
    expect(pids).toHaveLength(3);
    expect(sp.signal(pids[0], 15, true)).toBe(true);
    expect(sp.signal(pids[1], 9, false)).toBe(true);
    expect(sp.signal(pids[2], 2, true)).toBe(true);
    const exits = await Promise.all(runs);
    const byPid = new Map(exits.map((o) => [o.pid, o.exit]));
    expect(pids.map((p) => byPid.get(p))).toEqual(
      [15, 9, 2].map((signal) => ({
        kind: 'signalled',
        signal,
        coreDumped: false,
      })),
    );
  });

  it('reaps an orphan it adopted and reports its status to a watcher', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawner-'));
    const pidFile = path.join(dir, 'pid');
    await run(['sh', '-c', `(sleep 0.3; exit 7) & echo $! > ${pidFile}`]);
    const orphan = Number(fs.readFileSync(pidFile, 'utf8'));
    const status = await new Promise<ExitStatus>((resolve, reject) => {
      if (!sp.watchExit(orphan, resolve)) reject(new Error('not adopted'));
    });
    expect(status).toEqual({ kind: 'exited', code: 7 });
    fs.rmSync(dir, { recursive: true });
  });

  it('is gone when the daemon closes its end', async () => {
    const pid = sp.pid;
    sp.dispose();
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
