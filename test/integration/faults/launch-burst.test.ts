// A burst of 3,000 launches at once: every service is started by the native spawner (no fallback
// to child_process, no spawner restart), and the control socket answers while they start. And
// 300 launches held before exec (a log file that is a FIFO nobody reads) hold up no other.

import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { DINITCTL, isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const linux = isBuilt() && process.platform === 'linux';
const N = 3000;

/** Direct children of pid, from /proc/PID/task/TID/children. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
      if (c.trim() !== '') out.push(Number(c));
    }
  }
  return out;
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

(linux ? describe : describe.skip)('a burst of launches', () => {
  const sb = sandboxEach('dinit-burst-');

  it('starts 3,000 services through the spawner while dinitctl keeps answering', async () => {
    const deps: string[] = [];
    for (let i = 0; i < N; i++) {
      sb.service(`s${i}`, 'type = process', 'command = /bin/sleep 1000');
      deps.push(`depends-on = s${i}`);
    }
    sb.service('all', 'type = internal', ...deps);
    sb.service('idle', 'type = internal');
    const log = sb.path('dinit.log');
    const dn = await sb.start(['-l', log, 'idle'], { quiet: false, ctlTimeoutMs: 120000 });
    const spawners = childrenOf(dn.pid).filter((c) => comm(c) === 'dinit-spawner');
    expect(spawners).toHaveLength(1);
    const spawner = spawners[0];

    // Ask for the start without waiting for it, then query while the services come up.
    const issued = spawnSync(DINITCTL, ['-p', dn.socket, '--no-wait', 'start', 'all'], {
      encoding: 'utf8',
      timeout: 120000,
    });
    expect(issued.status).toBe(0);
    const answers: Array<{ status: number | null; starting: number; started: number }> = [];
    await eventually(
      'every service started',
      () => {
        const r = dn.ctl('list');
        const lines = r.stdout.split('\n').filter((l) => /^\[/.test(l));
        const a = {
          status: r.status,
          starting: lines.filter((l) => l.includes('<<')).length,
          started: lines.filter((l) => /^\[[[{]\+[\]}]/.test(l)).length,
        };
        answers.push(a);
        return a.status !== 0 || a.started === N + 2;
      },
      { timeoutMs: 110000, intervalMs: 50 },
    );
    // Every query was answered, some while services were still starting.
    expect(answers.every((a) => a.status === 0)).toBe(true);
    expect(answers.some((a) => a.starting > 0)).toBe(true);
    expect(answers[answers.length - 1].started).toBe(N + 2);

    // All of them are children of the one spawner: none went through child_process, and the
    // spawner was never given up and replaced.
    const sleepers = childrenOf(spawner).filter((c) => comm(c) === 'sleep');
    expect(sleepers).toHaveLength(N);
    expect(childrenOf(dn.pid).filter((c) => comm(c) === 'sleep')).toEqual([]);
    const text = fs.readFileSync(log, 'utf8');
    expect(text).not.toMatch(/child_process|spawner exited/);
    await dn.stop();
  }, 180000);

  it('launches others while 300 wait before exec on a log file that is a FIFO', async () => {
    const fifo = sb.path('fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const deps: string[] = [];
    for (let i = 0; i < 300; i++) {
      sb.service(`w${i}`, 'type = process', 'command = /bin/sleep 1000', `logfile = ${fifo}`);
      deps.push(`depends-on = w${i}`);
    }
    sb.service('held', 'type = internal', ...deps);
    sb.service('other', 'type = process', 'command = /bin/sleep 1000');
    sb.service('idle', 'type = internal');
    const log = sb.path('dinit.log');
    const dn = await sb.start(['-l', log, 'idle'], { quiet: false });
    const spawner = childrenOf(dn.pid).find((c) => comm(c) === 'dinit-spawner');
    expect(spawner).toBeDefined();
    expect(dn.ctl('--no-wait', 'start', 'held').status).toBe(0);
    await eventually('300 launches waiting in open(2)', () => childrenOf(spawner!).length >= 300);
    // Another service starts, through the same spawner, and status answers meanwhile.
    expect(dn.ctl('start', 'other').status).toBe(0);
    const status = dn.ctl('status', 'other');
    expect(status.stdout).toContain('State: STARTED');
    const pid = Number(/Process ID: (\d+)/.exec(status.stdout)?.[1]);
    expect(childrenOf(spawner!)).toContain(pid);
    expect(dn.ctl('status', 'w0').stdout).toContain('State: STARTING');
    // A reader lets them all through.
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    await eventually('the held services started', () =>
      dn.ctl('status', 'held').stdout.includes('State: STARTED'),
    );
    fs.closeSync(reader);
    expect(fs.readFileSync(log, 'utf8')).not.toMatch(/child_process|spawner exited/);
    await dn.stop();
  }, 120000);
});
