// A consumer-of logger SIGSTOPped under a fast producer: the pipe between them is a plain kernel
// pipe the daemon only holds open, so the producer blocks once it is full, the daemon keeps
// answering with flat memory, and after SIGCONT every line arrives in order. The suite stalls
// the logger for 15 s; DINIT_FAULT_STALL_S=60 gives the full minute.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, ROOT, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const d = isBuilt() && fs.existsSync('/proc/self/status') ? describe : describe.skip;
const STALL_S = Number(process.env.DINIT_FAULT_STALL_S ?? 15);
const FIXTURES = path.join(ROOT, 'fixtures/faults');

/** A field of /proc/<pid>/status in KiB (VmRSS, RssAnon). */
function statusKb(pid: number, field: string): number {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

/** State letter and CPU ticks (utime + stime) from /proc/<pid>/stat. */
function stat(pid: number): { state: string; ticks: number } {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ticks: Number(f[11]) + Number(f[12]) };
}

/** What an fd of a process refers to ("pipe:[1234]"). */
const fdTarget = (pid: number, fd: number | string): string =>
  fs.readlinkSync(`/proc/${pid}/fd/${fd}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

d('a consumer-of logger stopped under a fast producer', () => {
  const sb = sandboxEach('dinit-stall-');

  it(
    `blocks the producer for ${STALL_S} s, keeps answering, and loses no line after SIGCONT`,
    async () => {
      const stopFlag = sb.path('stop');
      const logOut = sb.path('logger.out');
      sb.service(
        'producer',
        'type = process',
        `command = ${path.join(FIXTURES, 'flood.sh')} ${stopFlag}`,
        'log-type = pipe',
      );
      sb.service(
        'logger',
        'type = process',
        `command = ${path.join(FIXTURES, 'append.sh')} ${logOut}`,
        'consumer-of = producer',
      );
      sb.service('boot', 'type = internal');
      const dn = await sb.start(['boot']);
      const pidOf = (name: string): number => {
        const st = dn.ctl('status', name);
        expect(st.stdout).toContain('State: STARTED');
        return Number(/Process ID: (\d+)/.exec(st.stdout)?.[1]);
      };
      expect(dn.ctl('start', 'logger').status).toBe(0);
      expect(dn.ctl('start', 'producer').status).toBe(0);
      const producer = pidOf('producer');
      const logger = pidOf('logger');

      // The wiring: the producer's stdout is the logger's stdin, one kernel pipe that the daemon
      // holds (so a logger restart loses nothing) but neither reads nor writes.
      const pipe = fdTarget(logger, 0);
      expect(pipe).toMatch(/^pipe:\[\d+\]$/);
      expect(fdTarget(producer, 1)).toBe(pipe);
      expect(fdTarget(producer, 2)).toBe(pipe);
      const daemonFds = fs.readdirSync(`/proc/${dn.pid}/fd`).map((fd) => {
        try {
          return fdTarget(dn.pid, fd);
        } catch {
          return '';
        }
      });
      expect(daemonFds).toContain(pipe);

      await eventually('the logger to write lines', () => fs.statSync(logOut).size > 64 * 1024);
      const rssBefore = statusKb(dn.pid, 'RssAnon');
      process.kill(logger, 'SIGSTOP');
      try {
        await eventually('the logger to stop', () => stat(logger).state === 'T');
        // Once the pipe is full the producer sleeps in write(2) (a loop of shell builtins
        // sleeps nowhere else), and with the logger stopped nothing wakes it.
        await eventually(
          'the producer to block on the full pipe',
          () => stat(producer).state === 'S',
        );
        const blocked = stat(producer).ticks;
        const writtenBefore = fs.statSync(logOut).size;
        let maxRss = 0;
        let maxAnon = 0;
        let answers = 0;
        for (const end = Date.now() + STALL_S * 1000; Date.now() < end; await sleep(500)) {
          const st = dn.ctl('status', 'producer');
          expect(st.status).toBe(0);
          expect(st.stdout).toContain('State: STARTED');
          answers++;
          maxRss = Math.max(maxRss, statusKb(dn.pid, 'VmRSS'));
          maxAnon = Math.max(maxAnon, statusKb(dn.pid, 'RssAnon'));
          expect(stat(logger).state).toBe('T');
        }
        expect(answers).toBeGreaterThan(0);
        // Blocked all along: the producer used no CPU and the logger's file did not grow.
        expect(stat(producer)).toEqual({ state: 'S', ticks: blocked });
        expect(fs.statSync(logOut).size).toBe(writtenBefore);
        // Nothing of the flood collects in the daemon. A bound, not a timing: dinitctl traffic
        // and the garbage collector move RSS by a few MiB; a daemon that buffered the producer
        // would hold everything it wrote in the stall.
        expect(maxAnon - rssBefore).toBeLessThan(32 * 1024);
        expect(maxRss).toBeLessThan(256 * 1024);
      } finally {
        fs.writeFileSync(stopFlag, '');
        process.kill(logger, 'SIGCONT');
      }
      await eventually('the producer to write its last line', () => {
        const text = fs.readFileSync(logOut, 'utf8');
        return /\nend \d+\n$/.test(text);
      });
      const lines = fs.readFileSync(logOut, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      const last = Number(/^end (\d+)$/.exec(lines.pop() ?? '')?.[1]);
      expect(last).toBeGreaterThan(1000);
      // Every line, whole and in order: none lost, none split or repeated.
      const bad = lines.findIndex((l, i) => l !== `line ${i + 1} ${'.'.repeat(50)}`);
      expect(bad).toBe(-1);
      expect(lines.length).toBe(last);
      expect(dn.ctl('is-started', 'logger').status).toBe(0);
    },
    STALL_S * 1000 + 40_000,
  );
});
