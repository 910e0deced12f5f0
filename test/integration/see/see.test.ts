// Seeing services through the real daemon and real processes (dinit-ts extensions of
// dinitctl): --json of every query validated against schemas/dinitctl.schema.json, --stats and
// top (one frame, and the live view under a pseudo-terminal), list --all, is-enabled and logs.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { isRoot } from '../../support/processes';
import { valid } from '../../support/schema';

jest.setTimeout(60000);

const HOLD = 'command = /bin/sh -c "sleep 1000 & sleep 1000 & wait"';

(isBuilt() ? describe : describe.skip)('seeing services (real daemon)', () => {
  const sb = sandboxEach('dinit-see-');
  let d: Dinit;

  /** boot waits for web (a shell with two children) and talk (a log buffer), via boot.d. */
  async function startServices(): Promise<void> {
    fs.mkdirSync(sb.path('sd/boot.d'));
    sb.service('boot', 'type = internal', 'waits-for.d = boot.d');
    sb.service('web', 'type = process', HOLD);
    sb.service(
      'talk',
      'type = process',
      'command = /bin/sh -c "echo one; echo two; echo three; exec sleep 1000"',
      'log-type = buffer',
    );
    sb.service('spare', 'type = process', 'command = /bin/sleep 1000');
    fs.symlinkSync('../web', sb.path('sd/boot.d/web'));
    fs.symlinkSync('../talk', sb.path('sd/boot.d/talk'));
    d = await sb.start(['boot']);
    await eventually('three lines in the buffer', () =>
      d.ctl('catlog', 'talk').stdout.includes('three'),
    );
  }

  it('prints every query as JSON that the schema accepts', async () => {
    await startServices();
    const list = valid('list', d.ctl('list', '--json').stdout);
    expect(list.map((s: { name: string }) => s.name).sort()).toEqual(['boot', 'talk', 'web']);
    expect(valid('status', d.ctl('status', '--json', 'web').stdout).state).toBe('started');
    expect(valid('status', d.ctl('status', '--json', 'nosuch').stdout).loaded).toBe(false);
    const started = d.ctl('is-started', '--json', 'web');
    expect([started.status, valid('isStarted', started.stdout).started]).toEqual([0, true]);
    const failed = d.ctl('is-failed', '--json', 'web');
    expect([failed.status, valid('isFailed', failed.stdout).startFailed]).toEqual([1, false]);
    expect(valid('catlog', d.ctl('catlog', '--json', 'talk').stdout).lines).toEqual([
      'one',
      'two',
      'three',
    ]);
    const signals = valid('signalList', d.ctl('signal', '--list', '--json').stdout);
    expect(signals).toContainEqual({ name: 'HUP', number: 1 });
    // The upstream output is unchanged without the flag.
    expect(d.ctl('is-started', 'web').stdout).toBe('STARTED\n');
  });

  it('status --stats and list --stats count the processes of a service', async () => {
    await startServices();
    const text = d.ctl('status', '--stats', 'web').stdout;
    expect(text).toMatch(
      /\n {4}CPU: \d+\.\d%\n {4}Memory: [\d.]+ (B|KiB|MiB)\n {4}Processes: 3\n {4}Uptime: \d+s\n$/,
    );
    const st = valid('status', d.ctl('status', '--json', '--stats', 'web').stdout);
    expect(st.stats).toMatchObject({ pid: st.pid, processes: 3 });
    expect(st.stats.memoryBytes).toBeGreaterThan(0);
    const lines = d.ctl('list', '--stats').stdout.split('\n');
    expect(lines.find((l) => l.includes('] web '))).toMatch(
      /\(pid: \d+\) \[cpu [\d.]+%, mem .*, procs 3, up \d+s\]$/,
    );
    expect(lines.find((l) => l.endsWith('] boot'))).toBe('[[+]     ] boot');
  });

  it('list --all adds installed services that are not loaded', async () => {
    await startServices();
    const out = d.ctl('list', '--all').stdout;
    expect(out.endsWith('[        ] spare (not loaded)\n')).toBe(true);
    expect(out).not.toContain('boot.d');
    const all = valid('list', d.ctl('list', '--all', '--json').stdout);
    expect(all).toContainEqual({ name: 'spare', loaded: false });
  });

  it('is-enabled answers from the waits-for.d links that enable makes', async () => {
    await startServices();
    const yes = d.ctl('is-enabled', 'web');
    expect([yes.status, yes.stdout]).toEqual([0, "Service 'web' is enabled (from 'boot').\n"]);
    expect(d.ctl('is-enabled', 'spare').status).toBe(1);
    expect(d.ctl('enable', 'spare').status).toBe(0);
    const json = d.ctl('is-enabled', '--json', 'spare');
    expect([json.status, valid('isEnabled', json.stdout)]).toEqual([
      0,
      { name: 'spare', from: 'boot', enabled: true },
    ]);
    expect(d.ctl('disable', 'spare').status).toBe(0);
    expect(d.ctl('--quiet', 'is-enabled', 'spare')).toMatchObject({ status: 1, stdout: '' });
    const offline = spawnSync(DINITCTL, ['--offline', '-d', sb.sd, 'is-enabled', 'web']);
    expect(offline.status).toBe(0);
  });

  it('top prints one frame when its output is not a terminal', async () => {
    await startServices();
    const out = d.ctl('top').stdout.split('\n');
    expect(out[0]).toBe(
      'dinitctl top: 2 running of 3 loaded; sorted by CPU (c: CPU, m: memory, q: quit)',
    );
    expect(out[2]).toMatch(/^SERVICE +PID +CPU% +MEMORY +PROCS +UPTIME$/);
    expect(
      out.filter((l) => /^(web|talk) +\d+ +\d+\.\d +[\d.]+ \w+ +\d+ +\d+s$/.test(l)),
    ).toHaveLength(2);
    const rows = valid('top', d.ctl('top', '--json', '--sort', 'mem').stdout);
    expect(rows.map((r: { name: string }) => r.name).sort()).toEqual(['talk', 'web']);
  });

  it('top redraws on a terminal, sorts by memory on m and quits on q', async () => {
    await startServices();
    // A pseudo-terminal from Python's pty module: wait for a frame, press m, then q.
    const script = `
import os, pty, sys, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], '-p', sys.argv[2], 'top'])
def wait_for(text):
    seen = b''
    while text not in seen:
        r, _, _ = select.select([fd], [], [], 30)
        if not r: sys.exit('no ' + text.decode())
        seen += os.read(fd, 65536)
wait_for(b'sorted by CPU')
print('cpu frame', flush=True)
os.write(fd, b'm')
wait_for(b'sorted by memory')
print('memory frame', flush=True)
os.write(fd, b'q')
_, status = os.waitpid(pid, 0)
print('exit', os.waitstatus_to_exitcode(status), flush=True)
`;
    const r = spawnSync('python3', ['-c', script, DINITCTL, d.socket], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('cpu frame\nmemory frame\nexit 0\n');
  });

  it('logs prints the last lines with a prefix and follows new output', async () => {
    await startServices();
    const out = d.ctl('logs', '-n', '2', 'talk').stdout;
    expect(out).toMatch(/^\S+Z talk \| two\n\S+Z talk \| three\n$/);
    const json = d.ctl('logs', '--json', 'talk').stdout.trimEnd().split('\n');
    expect(json.map((l) => valid('logLine', l).message)).toEqual(['one', 'two', 'three']);
    const log = sb.path('file.log');
    sb.service(
      'filer',
      'type = process',
      'command = /bin/sh -c "echo from-file; exec sleep 1000"',
      `logfile = ${log}`,
    );
    expect(d.ctl('start', 'filer').status).toBe(0);
    await eventually(
      'the log file',
      () => fs.existsSync(log) && fs.readFileSync(log, 'utf8') !== '',
    );
    // Follow both; a restart of talk appends to its buffer, more lines to the file.
    const follow = spawn(DINITCTL, ['-p', d.socket, 'logs', '-f', '-n', '0', 'talk', 'filer']);
    let seen = '';
    follow.stdout.on('data', (b: Buffer) => (seen += b.toString()));
    await eventually('logs -f to start', async () => {
      fs.appendFileSync(log, 'appended\n');
      return seen.includes('filer | appended');
    });
    expect(d.ctl('restart', 'talk').status).toBe(0);
    await eventually('the restarted output', () => seen.includes('talk  | one'));
    follow.kill();
    expect(seen).not.toContain('from-file');
  });

  (isRoot ? it : it.skip)(
    'status --stats reads the counters of a service in its own cgroup',
    async () => {
      const mount = fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' - '))
        .find(([, post]) => post?.startsWith('cgroup2 '))?.[0]
        .split(' ')[4];
      if (mount === undefined) return;
      const name = `dinit-see-${process.pid}`;
      fs.mkdirSync(path.join(mount, name));
      try {
        sb.service('boxed', 'type = process', HOLD, `run-in-cgroup = /${name}`);
        d = await sb.start(['boxed']);
        const st = valid('status', d.ctl('status', '--json', '--stats', 'boxed').stdout);
        expect(st.stats).toMatchObject({ cgroup: `/${name}`, processes: 3 });
        expect(d.ctl('status', '--stats', 'boxed').stdout).toContain(`    Cgroup: /${name}\n`);
        expect(d.ctl('stop', 'boxed').status).toBe(0);
      } finally {
        // The service's other processes leave the cgroup a moment after its stop is reported.
        const procs = path.join(mount, name, 'cgroup.procs');
        await eventually('the cgroup to empty', () => fs.readFileSync(procs, 'utf8') === '');
        fs.rmdirSync(path.join(mount, name));
      }
    },
  );
});
