// A full file system under a log file: the service writes its log file itself (opened for it
// with O_APPEND, as upstream does), so ENOSPC reaches the service's write(2), never the daemon.
// The daemon keeps answering without spinning, the service keeps running, and once space is
// freed new lines are logged again. Runs in a private mount namespace with a 1 MiB tmpfs.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, ROOT, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { isRoot } from '../../support/processes';

const FIXTURES = path.join(ROOT, 'fixtures/faults');
/** Space on the tmpfs taken by a file the test removes to free it. */
const BALLAST = 768 * 1024;
/** Lines that must fail with the file system full before space is freed (64 per batch). */
const FAILED_LINES = 50 * 64;

function whyNot(): string | undefined {
  if (!isBuilt()) return 'not built';
  if (process.platform !== 'linux') return 'not Linux';
  if (!isRoot) return 'not root (mounting a tmpfs needs it)';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { timeout: 5000 });
  if (r.status !== 0) return `unshare -m fails here (${r.error?.message ?? r.status})`;
  return undefined;
}
const why = whyNot();
if (why !== undefined) console.log(`faults/logfile-full: skipped: ${why}`);

interface Run {
  code: string;
  from: number;
  to: number;
}

/** CPU ticks (utime + stime) a process has used. */
function cpuTicks(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

(why === undefined ? describe : describe.skip)('a log file on a full file system', () => {
  const sb = sandboxEach('dinit-enospc-');

  it('keeps the daemon answering and idle, the service running, and logs again once space is freed', async () => {
    const mnt = sb.path('fs');
    fs.mkdirSync(mnt);
    const logfile = path.join(mnt, 'filler.log');
    const stateFile = sb.path('filler.json');
    sb.service(
      'filler',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'fill.js')} ${stateFile}`,
      'log-type = file',
      `logfile = ${logfile}`,
    );
    sb.service('boot', 'type = internal');
    // The tmpfs exists only in the daemon's mount namespace (and its services'): it goes away
    // with them, whatever happens to the test. The test sees it through /proc/<pid>/root.
    const setup =
      `mount -t tmpfs -o size=1m tmpfs "$0" && ` +
      `head -c ${BALLAST} /dev/zero > "$0/ballast" && exec "$@"`;
    const dn = await sb.start(['boot'], {
      prefix: ['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', setup, mnt],
    });
    const inNs = (p: string): string => `/proc/${dn.pid}/root${p}`;
    const runs = (): Run[] => {
      try {
        return (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { runs: Run[] }).runs;
      } catch {
        return [];
      }
    };
    const failed = (): number =>
      runs()
        .filter((r) => r.code !== '')
        .reduce((s, r) => s + r.to - r.from + 1, 0);

    expect(dn.ctl('start', 'filler').status).toBe(0);
    await eventually('the file system to fill up', () => failed() > 0);
    const t0 = Date.now();
    const cpu0 = cpuTicks(dn.pid);
    for (;;) {
      const st = dn.ctl('status', 'filler');
      expect(st.status).toBe(0);
      expect(st.stdout).toContain('State: STARTED');
      if (failed() >= FAILED_LINES) break;
      await sleep(250);
    }
    const wall = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(dn.pid) - cpu0) / 100;
    // A bound, not a timing: the daemon does not touch the file, so it idles between the
    // status requests; a daemon spinning on the error would use the whole period.
    expect(cpu).toBeLessThan(wall / 2 + 0.5);
    // The writes failed in the service, with the file system's error.
    const fullRun = runs().find((r) => r.code !== '');
    expect(fullRun?.code).toBe('ENOSPC');

    fs.unlinkSync(inNs(path.join(mnt, 'ballast')));
    await eventually('lines to be logged again', () => {
      const r = runs();
      const i = r.findIndex((x) => x.code !== '');
      return r.slice(i + 1).some((x) => x.code === '' && x.to - x.from >= 63);
    });
    expect(dn.ctl('stop', 'filler').status).toBe(0);

    // The file holds exactly the lines whose write succeeded, whole and in order: the lines
    // before the file system filled up, then those after space was freed.
    const written: string[] = [];
    for (const r of runs()) {
      if (r.code !== '') continue;
      for (let n = r.from; n <= r.to; n++) written.push(`line ${n} `.padEnd(63, '.'));
    }
    const logged = fs.readFileSync(inNs(logfile), 'utf8').split('\n');
    expect(logged.pop()).toBe('');
    expect(logged.length).toBe(written.length);
    expect(logged.findIndex((l, i) => l !== written[i])).toBe(-1);
    expect(runs().map((r) => r.code)).toEqual(['', 'ENOSPC', '']);
    expect(dn.ctl('list').status).toBe(0);
  });
});
