// The Linux adapter on real processes: launch and exit statuses, pidfd signals, run-as,
// rlimits/nice/oom/cgroups through the exec helper, log files, pipes, activation sockets,
// readiness, exec-failure stages and reaping of orphans. Needs Linux and root; the helper
// tests need the built helper (npm run build).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogPipe, ProcessEvents, ProcessHandle, ProcessSpec } from '../../../src/core/os';
import { LinuxOs } from '../../../adapters/linux/linux-os';
import { findExecHelper } from '../../../adapters/posix/native-programs';
import type { ExitStatus } from '../../../src/model';
import { execStageDescription } from '../../../src/model';
import { eventually } from '../../support/eventually';
import { have } from '../../support/processes';
import { processSpec } from '../../support/process-spec';

const isLinux = process.platform === 'linux';
const isRoot = isLinux && process.getuid?.() === 0;
const helper = findExecHelper(path.resolve(__dirname, '../../../adapters/linux'));
const describeLinux = isLinux ? describe : describe.skip;
const itRoot = isRoot ? it : it.skip;
const itHelper = helper ? it : it.skip;
const itRootHelper = isRoot && helper ? it : it.skip;
const itPython = have('python3') ? it : it.skip;
const hasIonice = ['/usr/bin/ionice', '/bin/ionice'].some((p) => fs.existsSync(p));

if (!isLinux) console.warn('adapter integration tests skipped: not Linux');
else if (!isRoot) console.warn('adapter tests needing root skipped: not running as root');
if (isLinux && !helper)
  console.warn('exec helper tests skipped: helper not built (run npm run build with a C compiler)');

type Outcome =
  | { kind: 'exit'; status: ExitStatus }
  | { kind: 'failed'; stage: string; errno: number; message: string };

const PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
/** run-as nobody by name: its uid, its group and its supplementary groups. */
const AS_NOBODY = { uid: 65534, gid: 65534, initgroupsUser: 'nobody' };
const EXIT = (code: number): Outcome => ({ kind: 'exit', status: { kind: 'exited', code } });

let tmp: string;
let adapter: LinuxOs;
const logs: string[] = [];
const launched: number[] = [];

function spec(argv: string[], extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return processSpec({ serviceName: 'test', argv, env: { PATH }, ...extra });
}

/** Launches and resolves with the outcome; rejects after timeoutMs. */
function run(
  s: ProcessSpec,
  more: Partial<ProcessEvents> = {},
  timeoutMs = 10000,
): { handle: ProcessHandle; done: Promise<Outcome>; order: string[] } {
  const order: string[] = [];
  let resolve!: (o: Outcome) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<Outcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(
    () => reject(new Error(`${s.argv.join(' ')}: no outcome in ${timeoutMs} ms`)),
    timeoutMs,
  );
  const handle = adapter.launch(s, {
    ...more,
    // Through the spawner the pid comes after launch() returns.
    onSpawned: (pid) => {
      launched.push(pid);
      more.onSpawned?.(pid);
    },
    onExit: (status) => {
      clearTimeout(timer);
      order.push('exit');
      resolve({ kind: 'exit', status });
    },
    onExecFailed: (stage, errno, message) => {
      clearTimeout(timer);
      order.push('failed');
      resolve({ kind: 'failed', stage: execStageDescription(stage), errno, message });
    },
    onExecSucceeded: () => {
      order.push('exec');
      more.onExecSucceeded?.();
    },
  });
  if (handle.pid > 0) launched.push(handle.pid);
  return { handle, done, order };
}

/** Runs a shell command and returns its outcome and the text it wrote to out.txt. */
async function sh(
  script: string,
  extra: Partial<ProcessSpec> = {},
): Promise<{ outcome: Outcome; out: string }> {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}.txt`);
  const { done } = run(spec(['sh', '-c', script], { env: { PATH, OUT: out }, ...extra }));
  const outcome = await done;
  return { outcome, out: fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '' };
}

/** Waits until cond holds (the shared eventually(), with this file's argument order). */
const until = (cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> =>
  eventually(what, cond, { timeoutMs });

/** Bounds a promise in time. */
function within<T>(p: Promise<T>, what: string, timeoutMs = 10000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_res, rej) => {
    t = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function procExists(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}

describeLinux('Linux adapter', () => {
  beforeAll(() => {
    adapter = new LinuxOs({ log: (level, msg) => logs.push(`${level}: ${msg}`) });
  });
  afterAll(() => {
    adapter.dispose();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-adapter-'));
    fs.chmodSync(tmp, 0o755);
  });
  afterEach(() => {
    for (const pid of launched.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Not a group leader or already gone.
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reports the capabilities of this kernel', () => {
    expect(adapter.caps.pidfd).toBe(true);
    expect(adapter.caps.subreaper).toBe(true);
    expect(adapter.caps.execHelper).toBe(helper !== undefined);
  });

  it('reports the exit code of a process launched without the helper', async () => {
    const { outcome } = await sh('exit 3');
    expect(outcome).toEqual(EXIT(3));
  });

  it('reports a process killed by a signal sent through its pidfd', async () => {
    const { handle, done } = run(spec(['sleep', '30']));
    expect(adapter.signal(handle, 15, 'process')).toBe(true);
    expect(await done).toEqual({
      kind: 'exit',
      status: { kind: 'signalled', signal: 15, coreDumped: false },
    });
    expect(adapter.signal(handle, 15, 'process')).toBe(false);
  });

  it('signals the whole process group of a service', async () => {
    const pids = path.join(tmp, 'pids');
    const { handle, done } = run(
      spec(['sh', '-c', `sleep 30 & echo $! > ${pids}; sleep 30 & wait`]),
    );
    await until(
      () => fs.existsSync(pids) && fs.readFileSync(pids, 'utf8').endsWith('\n'),
      'the pid file',
    );
    const bg = Number(fs.readFileSync(pids, 'utf8'));
    expect(adapter.signal(handle, 9, 'group')).toBe(true);
    expect((await done).kind).toBe('exit');
    await until(() => !alive(bg), 'the background sleep to die');
  });

  it("signals only the process when it shares the daemon's process group", async () => {
    const { handle, done } = run(spec(['sleep', '30'], { newSession: false }));
    expect(adapter.signal(handle, 15, 'group')).toBe(true);
    expect(await done).toEqual({
      kind: 'exit',
      status: { kind: 'signalled', signal: 15, coreDumped: false },
    });
  });

  it('delivers output to the buffer sink, stdout and stderr in order', async () => {
    const chunks: Buffer[] = [];
    const { done } = run(
      spec(['sh', '-c', 'echo out; echo err >&2; echo out2'], {
        output: { kind: 'buffer', sink: (c) => chunks.push(c) },
      }),
    );
    expect(await done).toEqual(EXIT(0));
    await until(() => Buffer.concat(chunks).toString() === 'out\nerr\nout2\n', 'all output');
  });

  it('reports exec success before the exit, with and without the helper', async () => {
    for (const extra of [{}, ...(helper ? [{ nice: 0 }] : [])]) {
      const { done, order } = run(spec(['true'], extra));
      expect(await done).toEqual(EXIT(0));
      expect(order).toEqual(['exec', 'exit']);
    }
    expect(adapter.caps.execStatus).toBe(true);
  });

  it('does not report exec success when exec fails', async () => {
    for (const extra of [{}, ...(helper ? [{ nice: 0 }] : [])]) {
      const { done, order } = run(spec([path.join(tmp, 'missing')], extra));
      expect((await done).kind).toBe('failed');
      expect(order).toEqual(['failed']);
    }
  });

  // The same failures, reported by Node's spawn (direct) or by the helper's status pipe.
  for (const [how, extra, test] of [
    ['directly', {}, it],
    ['through the helper', { nice: 1 }, itHelper],
  ] as const) {
    test(`reports exec failure of a missing command with stage and errno (${how})`, async () => {
      const { done } = run(spec([path.join(tmp, 'missing')], extra));
      expect(await done).toEqual({
        kind: 'failed',
        stage: 'executing command',
        errno: 2,
        message: 'No such file or directory',
      });
    });

    test(`reports a missing working directory as a chdir failure (${how})`, async () => {
      const { done } = run(spec(['true'], { ...extra, workingDir: path.join(tmp, 'nowhere') }));
      expect(await done).toMatchObject({ kind: 'failed', stage: 'changing directory', errno: 2 });
    });
  }

  itHelper('runs in the working directory through the helper', async () => {
    const { outcome, out } = await sh('pwd > $OUT', { nice: 0, workingDir: tmp });
    expect(outcome).toEqual(EXIT(0));
    expect(out.trim()).toBe(fs.realpathSync(tmp));
  });

  itRootHelper('runs as nobody by name with its group and supplementary groups', async () => {
    fs.chmodSync(tmp, 0o777);
    const { outcome, out } = await sh('echo "$(id -u) $(id -g) $(id -G)" > $OUT', {
      ...AS_NOBODY,
    });
    expect(outcome).toEqual(EXIT(0));
    const expectedGroups = [...new Set(['65534', ...groupsOf('nobody')])].sort().join(' ');
    const [uid, gid, ...groups] = out.trim().split(' ');
    expect([uid, gid, groups.sort().join(' ')]).toEqual(['65534', '65534', expectedGroups]);
  });

  itRootHelper(
    'runs as a numeric uid keeping the daemon gid and no supplementary groups',
    async () => {
      fs.chmodSync(tmp, 0o777);
      const { outcome, out } = await sh('echo "$(id -u) $(id -g) $(id -G)" > $OUT', {
        uid: 65534,
        clearSupplementaryGroups: true,
      });
      expect(outcome).toEqual(EXIT(0));
      expect(out.trim()).toBe(`65534 ${process.getgid?.()} ${process.getgid?.()}`);
    },
  );

  itRootHelper('gives a run-as service the ambient capabilities of its IAB setting', async () => {
    fs.chmodSync(tmp, 0o777);
    const { outcome, out } = await sh('grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status > $OUT', {
      ...AS_NOBODY,
      capabilities: '^cap_net_bind_service',
    });
    expect(outcome).toEqual(EXIT(0));
    const caps = capLines(out);
    const bit = 1n << 10n; // CAP_NET_BIND_SERVICE
    expect([caps.CapInh, caps.CapPrm, caps.CapEff, caps.CapAmb]).toEqual([bit, bit, bit, bit]);
  });

  itRootHelper('drops capabilities from the bounding set and applies securebits', async () => {
    const { outcome, out } = await sh('grep -E "^Cap(Bnd|Eff)" /proc/self/status > $OUT', {
      capabilities: '!cap_sys_admin',
      securebits: 'noroot',
    });
    expect(outcome).toEqual(EXIT(0));
    const caps = capLines(out);
    expect(caps.CapBnd & (1n << 21n)).toBe(0n);
    // noroot: uid 0 gains no capabilities at exec.
    expect(caps.CapEff).toBe(0n);
  });

  it('rejects an unknown capability name before launching', () => {
    expect(() =>
      adapter.launch(spec(['true'], { capabilities: 'cap_no_such_thing' }), {
        onExit() {},
        onExecFailed() {},
      }),
    ).toThrow(/unknown capability: cap_no_such_thing/);
  });

  itHelper('runs a console service as its own process group leader', async () => {
    const { outcome, out } = await sh('echo "$$ $(cut -d" " -f5 /proc/$$/stat)" > $OUT', {
      onConsole: true,
      stdin: { kind: 'inherit' },
      output: { kind: 'inherit' },
    });
    expect(outcome).toEqual(EXIT(0));
    const [pid, pgrp] = out.trim().split(' ');
    expect(pgrp).toBe(pid);
  });

  itHelper('applies rlimits', async () => {
    const { outcome, out } = await sh('echo "$(ulimit -n) $(ulimit -Hn) $(ulimit -c)" > $OUT', {
      rlimits: { nofile: { soft: 123, hard: 456 }, core: { soft: 0 } },
    });
    expect(outcome).toEqual(EXIT(0));
    expect(out.trim()).toBe('123 456 0');
  });

  itHelper('reports an impossible rlimit as a resource-limit failure', async () => {
    const { done } = run(spec(['true'], { rlimits: { nofile: { soft: 100, hard: 50 } } }));
    expect(await done).toMatchObject({
      kind: 'failed',
      stage: 'setting resource limits',
      errno: 22,
    });
  });

  itHelper('applies nice and oom_score_adj', async () => {
    const { outcome, out } = await sh('echo "$(nice) $(cat /proc/self/oom_score_adj)" > $OUT', {
      nice: 7,
      oomScoreAdj: 500,
    });
    expect(outcome).toEqual(EXIT(0));
    expect(out.trim()).toBe('7 500');
  });

  (helper && hasIonice ? it : it.skip)('applies the I/O priority', async () => {
    const { outcome, out } = await sh('ionice -p $$ > $OUT', {
      ioprio: { class: 'best-effort', level: 6 },
    });
    expect(outcome).toEqual(EXIT(0));
    expect(out.trim()).toBe('best-effort: prio 6');
  });

  itRootHelper('joins a cgroup and killCgroup leaves no process alive', async () => {
    const name = `dinit-ts-test-${process.pid}-${Date.now()}`;
    const procs = (
      adapter as unknown as { cgroupProcsPath(c: string): string | undefined }
    ).cgroupProcsPath(name);
    expect(procs).toBeDefined();
    const dir = path.dirname(procs as string);
    fs.mkdirSync(dir);
    try {
      const pids = path.join(tmp, 'pids');
      const { done } = run(
        spec(['sh', '-c', `sleep 60 & sleep 60 & echo ok > ${pids}; wait`], { cgroup: name }),
      );
      await until(() => fs.existsSync(pids), 'the service to start');
      await until(() => readProcs(procs as string).length === 3, 'three members in the cgroup');
      const members = readProcs(procs as string);
      adapter.killCgroup(name);
      expect(await done).toEqual({
        kind: 'exit',
        status: { kind: 'signalled', signal: 9, coreDumped: false },
      });
      await until(() => readProcs(procs as string).length === 0, 'the cgroup to empty');
      await until(() => members.every((p) => !alive(p)), 'every member to die');
    } finally {
      await until(() => {
        try {
          fs.rmdirSync(dir);
          return true;
        } catch {
          return false;
        }
      }, 'the cgroup to be removable');
    }
  });

  itHelper('reports joining a missing cgroup as a cgroup failure', async () => {
    const { done } = run(spec(['true'], { cgroup: `no-such-cgroup-${process.pid}` }));
    expect(await done).toMatchObject({ kind: 'failed', stage: 'entering cgroup', errno: 2 });
  });

  itRootHelper('creates the log file with its permissions and owner, appending', async () => {
    const log = path.join(tmp, 'svc.log');
    fs.writeFileSync(log, 'before\n', { mode: 0o644 });
    const { outcome } = await sh('echo out; echo err >&2', {
      output: { kind: 'file', path: log, permissions: 0o640, uid: 65534, gid: 65534 },
    });
    expect(outcome).toEqual(EXIT(0));
    const st = fs.statSync(log);
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([65534, 65534]);
    expect(fs.readFileSync(log, 'utf8')).toBe('before\nout\nerr\n');
  });

  itHelper('does not follow a symlink planted at the log file path', async () => {
    const target = path.join(tmp, 'target');
    fs.writeFileSync(target, 'secret\n', { mode: 0o600 });
    const log = path.join(tmp, 'svc.log');
    fs.symlinkSync(target, log);
    const { done } = run(
      spec(['sh', '-c', 'echo hijacked'], {
        output: { kind: 'file', path: log, permissions: 0o666 },
      }),
    );
    expect(await done).toMatchObject({ kind: 'failed', stage: 'opening log file', errno: 40 });
    expect(fs.readFileSync(target, 'utf8')).toBe('secret\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  });

  it('keeps piped output across a restart of the reader', async () => {
    const pipe: LogPipe = adapter.createLogPipe();
    try {
      const out = path.join(tmp, 'consumed');
      const go = path.join(tmp, 'go');
      const written = path.join(tmp, 'written');
      const consumer = () =>
        run(
          spec(['sh', '-c', `while IFS= read -r l; do echo "$l" >> ${out}; done`], {
            stdin: { kind: 'pipe', pipe },
          }),
        );
      const lines = (): string[] =>
        fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
      const c1 = consumer();
      const producer = run(
        spec(
          [
            'sh',
            '-c',
            `for i in 1 2 3; do echo line$i; done; while [ ! -e ${go} ]; do sleep 0.02; done; ` +
              `for i in 4 5 6; do echo line$i; done; touch ${written}`,
          ],
          { output: { kind: 'pipe', pipe } },
        ),
      );
      await until(() => lines().length === 3, 'the first reader to get three lines');
      adapter.signal(c1.handle, 15, 'process');
      expect((await c1.done).kind).toBe('exit');
      fs.writeFileSync(go, '');
      await until(() => fs.existsSync(written), 'the producer to write while no reader runs');
      expect(await producer.done).toEqual(EXIT(0));
      const c2 = consumer();
      await until(() => lines().length === 6, 'the second reader to get the rest');
      expect(lines()).toEqual(['line1', 'line2', 'line3', 'line4', 'line5', 'line6']);
      adapter.signal(c2.handle, 15, 'process');
      await c2.done;
    } finally {
      pipe.close();
    }
  });

  itHelper('passes the activation socket at fd 3 with LISTEN_FDS and LISTEN_PID', async () => {
    const sockPath = path.join(tmp, 'act.sock');
    const sock = adapter.openActivationSocket(sockPath, 0o660);
    try {
      expect(fs.statSync(sockPath).isSocket()).toBe(true);
      expect(fs.statSync(sockPath).mode & 0o777).toBe(0o660);
      const { outcome, out } = await sh(
        'echo "$LISTEN_FDS $LISTEN_PID $$ $(readlink /proc/$$/fd/3)" > $OUT',
        {
          activationSocket: sock,
        },
      );
      expect(outcome).toEqual(EXIT(0));
      const [fds, listenPid, shPid, link] = out.trim().split(' ');
      expect(fds).toBe('1');
      expect(listenPid).toBe(shPid);
      expect(link).toMatch(/^socket:\[\d+\]$/);
      // The socket is listening: a client can connect even though nobody accepts yet.
      await within(
        new Promise<void>((res, rej) => {
          const c = net.connect(sockPath, () => {
            c.destroy();
            res();
          });
          c.on('error', rej);
        }),
        'a connection to the activation socket',
      );
    } finally {
      sock.close();
    }
  });

  it('passes a connection to the control socket in DINIT_CS_FD (pass-cs-fd)', async () => {
    const sockPath = path.join(tmp, 'control.sock');
    const received: Buffer[] = [];
    const server = net.createServer((c) => c.on('data', (d) => received.push(d)));
    await within(new Promise<void>((res) => server.listen(sockPath, res)), 'the server to listen');
    try {
      const { outcome } = await sh('printf "hello $DINIT_CS_FD" >&$DINIT_CS_FD', {
        passControlSocket: true,
        controlSocketPath: sockPath,
      });
      expect(outcome).toEqual(EXIT(0));
      await until(() => Buffer.concat(received).toString() === 'hello 3', 'the server to read');
    } finally {
      server.close();
    }
  });

  it('refuses to replace a file that is not a socket, and replaces a stale socket', () => {
    const file = path.join(tmp, 'not-a-socket');
    fs.writeFileSync(file, 'keep me');
    expect(() => adapter.openActivationSocket(file, 0o600)).toThrow(
      'activation socket file exists (and is not a socket)',
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    const sockPath = path.join(tmp, 'stale.sock');
    adapter.openActivationSocket(sockPath, 0o600).close();
    const again = adapter.openActivationSocket(sockPath, 0o600);
    again.close();
    expect(fs.statSync(sockPath).isSocket()).toBe(true);
  });

  itPython('binds an sd_notify socket again at the path an earlier manager gave out', async () => {
    const earlier = new LinuxOs({ log: () => {} });
    const first = earlier.openNotifySocket({}, () => {});
    const at = first.path;
    const dir = path.dirname(at);
    // The earlier manager is gone as far as the path goes (its socket file stays behind); the
    // stale file is replaced, in the earlier manager's directory.
    const other = new LinuxOs({ log: () => {} });
    const got: string[] = [];
    const again = other.openNotifySocket({}, (m) => got.push(m.data.toString()), at);
    expect(again.path).toBe(at);
    // A datagram from another process (Node has no unix datagram sockets).
    const send =
      'import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"STATUS=after", sys.argv[1])';
    execFileSync('python3', ['-c', send, at]);
    await eventually('the message', () => {
      again.drain();
      return got.length === 1;
    });
    expect(got).toEqual(['STATUS=after']);
    // The directory goes with the last socket taken over in it.
    again.close();
    expect(fs.existsSync(dir)).toBe(false);
    first.close();
    earlier.dispose();
    // Only a socket in a directory of ours is taken over, and nothing else is removed.
    const keep = path.join(tmp, 'dinit-notify.xyz', '0a1b2c3d4e5f');
    fs.mkdirSync(path.dirname(keep));
    fs.writeFileSync(keep, 'keep me');
    expect(() => other.openNotifySocket({}, () => {}, keep)).toThrow('is not a socket');
    expect(fs.readFileSync(keep, 'utf8')).toBe('keep me');
    expect(() => other.openNotifySocket({}, () => {}, path.join(tmp, '0a1b2c3d4e5f'))).toThrow(
      'not a directory of ours',
    );
    expect(() => other.openNotifySocket({}, () => {}, '/etc/passwd')).toThrow(
      'not a socket path of ours',
    );
    other.dispose();
  });

  itHelper('passes the activation socket non-blocking, as upstream does', async () => {
    const sock = adapter.openActivationSocket(path.join(tmp, 'nb.sock'), 0o600);
    try {
      const { out } = await sh('grep ^flags /proc/$$/fdinfo/3 > $OUT', { activationSocket: sock });
      const flags = parseInt(out.trim().split(/\s+/)[1], 8);
      expect(flags & 0o4000).toBe(0o4000);
    } finally {
      sock.close();
    }
  });

  itRoot('gives the activation socket its owner', () => {
    const sockPath = path.join(tmp, 'owned.sock');
    const sock = adapter.openActivationSocket(sockPath, 0o600, 65534, 65534);
    try {
      const st = fs.statSync(sockPath);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([65534, 65534, 0o600]);
    } finally {
      sock.close();
    }
  });

  it('reports readiness written to the pipefd', async () => {
    let ready = 0;
    const r = run(
      spec(['sh', '-c', 'echo ready >&5; exec sleep 30'], { readiness: { kind: 'pipefd', fd: 5 } }),
      {
        onReady: () => ready++,
      },
    );
    await until(() => ready === 1, 'readiness');
    adapter.signal(r.handle, 15, 'process');
    await r.done;
    expect(ready).toBe(1);
  });

  it('reports a readiness pipe closed without a notification', async () => {
    let closed = false;
    let ready = false;
    const r = run(
      spec(['sh', '-c', 'exec 5>&-; exec sleep 30'], { readiness: { kind: 'pipefd', fd: 5 } }),
      {
        onReady: () => (ready = true),
        onReadinessClosed: () => (closed = true),
      },
    );
    await until(() => closed, 'the readiness pipe to close');
    expect(ready).toBe(false);
    adapter.signal(r.handle, 15, 'process');
    await r.done;
  });

  it('names the readiness fd in the pipevar variable', async () => {
    let ready = false;
    const out = path.join(tmp, 'fd');
    const r = run(
      spec(['sh', '-c', `echo $NOTIFY_FD > ${out}; echo ready >&$NOTIFY_FD; exec sleep 30`], {
        readiness: { kind: 'pipevar', variable: 'NOTIFY_FD' },
      }),
      { onReady: () => (ready = true) },
    );
    await until(() => ready, 'readiness');
    // The variable names a descriptor beyond stdio, and writing to it is what made us ready.
    expect(Number(fs.readFileSync(out, 'utf8'))).toBeGreaterThanOrEqual(3);
    expect(adapter.signal(r.handle, 15, 'process')).toBe(true);
    expect(await r.done).toEqual({
      kind: 'exit',
      status: { kind: 'signalled', signal: 15, coreDumped: false },
    });
  });

  it('reaps the orphans of a service that double-forks, leaving no zombie', async () => {
    const pidFile = path.join(tmp, 'orphan.pid');
    const { outcome } = await sh(`sleep 0.3 & echo $! > ${pidFile}; exit 0`);
    expect(outcome).toEqual(EXIT(0));
    const orphan = Number(fs.readFileSync(pidFile, 'utf8'));
    // While it lives the orphan is ours: its parent is the daemon or the daemon's spawner,
    // whichever is the nearest subreaper.
    const parentOf = (pid: number) =>
      Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    if (procExists(orphan)) {
      const parent = parentOf(orphan);
      expect(parent === process.pid || parentOf(parent) === process.pid).toBe(true);
    }
    await until(() => !procExists(orphan), 'the orphan to be reaped (not left as a zombie)');
  });

  it('never steals an exit from libuv while reaping orphans of many services at once', async () => {
    const runs = Array.from({ length: 20 }, (_v, i) =>
      run(spec(['sh', '-c', `sleep 0.0${i % 5} & sleep 0.0${(i + 2) % 5} & exit ${i}`])),
    );
    const outcomes = await Promise.all(runs.map((r) => r.done));
    expect(outcomes).toEqual(runs.map((_r, i) => EXIT(i)));
    await until(() => zombieChildren().length === 0, 'every orphan to be reaped');
  });

  it('watches a bgprocess daemon from its pid file and gets its real exit status', async () => {
    const pidFile = path.join(tmp, 'daemon.pid');
    const { outcome } = await sh(`sh -c 'sleep 0.3; exit 7' & echo $! > ${pidFile}; exit 0`);
    expect(outcome).toEqual(EXIT(0));
    const r = adapter.readPidFile(pidFile);
    expect(r.ok).toBe(true);
    const pid = (r as { pid: number }).pid;
    const status = await within(
      new Promise<ExitStatus | undefined>((res) => adapter.watchPid(pid, res)),
      'the daemon exit',
    );
    expect(status).toEqual({ kind: 'exited', code: 7 });
    expect(procExists(pid)).toBe(false);
  });

  it('watches a pid file that names a process the adapter launched itself', async () => {
    let spawned!: (pid: number) => void;
    const pid = new Promise<number>((res) => (spawned = res));
    const { handle, done } = run(spec(['sh', '-c', 'sleep 0.2; exit 9']), { onSpawned: spawned });
    const known = handle.pid > 0 ? handle.pid : await within(pid, 'the pid');
    const watched = within(
      new Promise<ExitStatus | undefined>((res) => adapter.watchPid(known, res)),
      'the watched exit',
    );
    expect(await done).toEqual(EXIT(9));
    expect(await watched).toEqual({ kind: 'exited', code: 9 });
  });

  it('signals a watched daemon through signalPid', async () => {
    const pidFile = path.join(tmp, 'daemon.pid');
    await sh(`sleep 30 & echo $! > ${pidFile}; exit 0`);
    const r = adapter.readPidFile(pidFile);
    if (!r.ok) throw new Error(r.reason);
    launched.push(r.pid);
    const status = new Promise<ExitStatus | undefined>((res) => adapter.watchPid(r.pid, res));
    expect(adapter.signalPid(r.pid, 15, 'process')).toBe(true);
    expect(await within(status, 'the daemon exit')).toEqual({
      kind: 'signalled',
      signal: 15,
      coreDumped: false,
    });
  });

  it('watches a pid that is not its child through the pidfd, without polling', async () => {
    // The sleep is a grandchild: its parent sh stays alive, so it is never adopted.
    const pidFile = path.join(tmp, 'grandchild.pid');
    const { done } = run(spec(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`]));
    await until(
      () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'),
      'the pid file',
    );
    const r = adapter.readPidFile(pidFile);
    if (!r.ok) throw new Error(r.reason);
    launched.push(r.pid);
    const status = new Promise<ExitStatus | undefined>((res) => adapter.watchPid(r.pid, res));
    const watcher = (adapter as unknown as { pidfdWatcher?: { size: number } }).pidfdWatcher;
    expect(watcher?.size).toBe(1);
    // The signal goes through the pidfd watchPid opened.
    expect(adapter.signalPid(r.pid, 15, 'process')).toBe(true);
    expect(await within(status, 'the grandchild exit')).toBeUndefined();
    expect(watcher?.size).toBe(0);
    expect(await done).toEqual(EXIT(0));
  });

  it('explains pid files that are missing, empty or name no process', () => {
    expect(adapter.readPidFile(path.join(tmp, 'none'))).toEqual({
      ok: false,
      reason: 'read pid file: No such file or directory',
    });
    const empty = path.join(tmp, 'empty');
    fs.writeFileSync(empty, '');
    expect(adapter.readPidFile(empty)).toEqual({
      ok: false,
      reason: 'pid read from pidfile (-1) is not valid',
    });
    const dead = path.join(tmp, 'dead');
    fs.writeFileSync(dead, '2147483646\n');
    expect(adapter.readPidFile(dead)).toEqual({
      ok: false,
      reason: 'pid read from pidfile (2147483646) is not valid',
    });
    expect(adapter.readPidFile(tmp)).toEqual({
      ok: false,
      reason: 'could not read from pidfile; Is a directory',
    });
  });

  it('passes no daemon fd to a service beyond the ones it asked for', async () => {
    const inheritedFds = fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        const flags = /^flags:\s+([0-7]+)/m.exec(
          fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'),
        );
        return Number(fd) > 2 && flags !== null && (parseInt(flags[1], 8) & 0o2000000) === 0;
      } catch {
        return false;
      }
    });
    const pipe = adapter.createLogPipe();
    const sock = adapter.openActivationSocket(path.join(tmp, 'held.sock'), 0o600);
    try {
      for (const extra of [{}, ...(helper ? [{ nice: 0 }] : [])]) {
        const chunks: Buffer[] = [];
        const { done } = run(
          // No pipeline (the shell holds pipe fds while it sets one up) and a trailing ':' so
          // that sh does not exec ls itself (ls's own directory fd would show).
          spec(['sh', '-c', 'ls /proc/$$/fd; :'], {
            output: { kind: 'buffer', sink: (c) => chunks.push(c) },
            ...extra,
          }),
        );
        expect(await done).toEqual(EXIT(0));
        await until(() => Buffer.concat(chunks).toString().endsWith('\n'), 'the fd list');
        // fds this test process itself inherited without close-on-exec are not ours to hide.
        const listed = Buffer.concat(chunks)
          .toString()
          .trim()
          .split(/\s+/)
          .sort((a, b) => Number(a) - Number(b));
        expect(listed.filter((fd) => !inheritedFds.includes(fd))).toEqual(['0', '1', '2']);
      }
    } finally {
      pipe.close();
      sock.close();
    }
  });

  it('leaks no file descriptors over many launches', async () => {
    const kinds = (i: number): Partial<ProcessSpec> => {
      switch (i % 4) {
        case 0:
          return { output: { kind: 'buffer', sink: () => {} } };
        case 1:
          return { readiness: { kind: 'pipefd', fd: 4 } };
        case 2:
          return helper ? { nice: 0 } : {};
        default:
          return { argv: [path.join(tmp, 'missing')] };
      }
    };
    const batch = async () => {
      for (let i = 0; i < 12; i++) {
        const extra = kinds(i);
        await run(
          spec(
            (extra.argv as string[]) ?? ['sh', '-c', 'echo x; echo r >&4 2>/dev/null; true'],
            extra,
          ),
        ).done;
      }
      // Let closed pipes' 'close' events run.
      await new Promise((r) => setTimeout(r, 100));
    };
    const fdCount = () => fs.readdirSync('/proc/self/fd').length;
    await batch();
    const before = fdCount();
    await batch();
    await batch();
    expect(fdCount()).toBe(before);
  });

  it('fires timers on the monotonic clock and cancels them', async () => {
    const t0 = adapter.now();
    let fired = 0;
    const cancelled = adapter.setTimer(10, () => (fired += 100));
    adapter.clearTimer(cancelled);
    await within(
      new Promise<void>((res) => adapter.setTimer(30, () => ((fired += 1), res()))),
      'the timer',
    );
    expect(fired).toBe(1);
    expect(adapter.now()).toBeGreaterThan(t0);
  });
});

function capLines(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of text.split('\n')) {
    const m = /^(Cap\w+):\s+([0-9a-f]+)$/.exec(line);
    if (m) out[m[1]] = BigInt('0x' + m[2]);
  }
  return out;
}

/** Our children that are zombies (exited, not reaped). */
function zombieChildren(): number[] {
  // Children of the daemon and of its spawner (the services' parent).
  const children = (pid: string): string[] => {
    const out: string[] = [];
    try {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
        out.push(...text.split(' ').filter((x) => x.trim() !== ''));
      }
    } catch {
      // Gone meanwhile.
    }
    return out;
  };
  const out: number[] = [];
  for (const p of children('self').flatMap((c) => [c, ...children(c)])) {
    try {
      if (/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'))) out.push(Number(p));
    } catch {
      // Reaped meanwhile.
    }
  }
  return out;
}

function readProcs(file: string): number[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function groupsOf(user: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
    const [, , gid, members] = line.split(':');
    if (members && members.split(',').includes(user)) out.push(gid);
  }
  return out;
}
