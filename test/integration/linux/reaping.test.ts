// Process watching on Linux through the real daemon: signals go through pidfd_send_signal, a
// bgprocess daemon is watched after its launcher exits (adopted, or not a descendant at all),
// and the daemon, a child subreaper, reaps every orphan its services leave behind.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FIXTURES,
  isBuilt,
  PROBE,
  probeResult,
  sandboxEach,
  type Dinit,
} from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { alive, have, zombieChildren } from '../../support/processes';

/** Whether a pid exists at all (a zombie counts). */
const exists = (pid: number) => fs.existsSync(`/proc/${pid}`);
const pidIn = (file: string) => Number(fs.readFileSync(file, 'utf8').trim());

(isBuilt() ? describe : describe.skip)('process watching and reaping (real daemon)', () => {
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;

  it('reaps the double-forked children of a service: no zombie is left behind', async () => {
    const out = sb.outDir('out');
    sb.service(
      'forker',
      'type = process',
      `command = ${path.join(FIXTURES, 'orphans.sh')} ${out} 5 0.3 hold`,
    );
    d = await sb.start(['forker']);
    await eventually('the orphans', () => fs.existsSync(path.join(out, 'done')));
    const orphans = [1, 2, 3, 4, 5].map((i) => pidIn(path.join(out, `orphan.${i}`)));
    // Each orphan was re-parented to the nearest subreaper: the daemon's spawner (the
    // services' parent) or the daemon itself, not init.
    const parentOf = (p: number) => {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    };
    for (const p of orphans) {
      if (!exists(p)) continue;
      const ppid = parentOf(p);
      expect(ppid === d.pid || parentOf(ppid) === d.pid).toBe(true);
    }
    await eventually('every orphan to be reaped', () => orphans.every((p) => !exists(p)));
    expect(zombieChildren(d.pid)).toEqual([]);
    expect(d.ctl('is-started', 'forker').status).toBe(0);
  });

  it('watches an adopted bgprocess daemon and notices when it dies', async () => {
    const pidFile = path.join(sb.dir, 'bg.pid');
    sb.service(
      'bg',
      'type = bgprocess',
      `command = ${path.join(FIXTURES, 'daemonize.sh')} ${pidFile} 600`,
      `pid-file = ${pidFile}`,
      // Without this the default (restart = yes) relaunches the daemon at once, and whether the
      // test sees STOPPED would depend on a race with the new daemon writing the pid file.
      'restart = no',
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    expect(d.ctl('start', 'bg').status).toBe(0);
    const pid = pidIn(pidFile);
    sb.track(pid);
    expect(d.ctl('status', 'bg').stdout).toMatch(
      new RegExp(`State: STARTED\\n[^]*Process ID: ${pid}`),
    );
    process.kill(pid, 'SIGKILL');
    await eventually('the service to stop', () =>
      /State: STOPPED/.test(d.ctl('status', 'bg').stdout),
    );
    // Reaped by the daemon (its subreaper), not left as a zombie.
    expect(exists(pid)).toBe(false);
    expect(zombieChildren(d.pid)).toEqual([]);
  });

  it('watches a bgprocess daemon that is not its descendant', async () => {
    const stranger = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    stranger.unref();
    const pid = stranger.pid!;
    sb.track(pid);
    const pidFile = path.join(sb.dir, 'stranger.pid');
    sb.service(
      'foreign',
      'type = bgprocess',
      `command = /bin/sh -c "echo ${pid} > ${pidFile}"`,
      `pid-file = ${pidFile}`,
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    expect(d.ctl('start', 'foreign').status).toBe(0);
    expect(d.ctl('status', 'foreign').stdout).toMatch(new RegExp(`Process ID: ${pid}`));
    process.kill(pid, 'SIGTERM');
    await eventually('the service to stop', () =>
      /State: STOPPED/.test(d.ctl('status', 'foreign').stdout),
    );
  });

  (have('strace') ? it : it.skip)(
    'signals a process it did not launch through its pidfd, and its own through the launcher that is its parent',
    async () => {
      const trace = path.join(sb.dir, 'trace');
      const pidFile = path.join(sb.dir, 'bg.pid');
      const out = sb.outDir('out');
      sb.service(
        'bg',
        'type = bgprocess',
        `command = ${path.join(FIXTURES, 'daemonize.sh')} ${pidFile} 600`,
        `pid-file = ${pidFile}`,
      );
      sb.service('fg', 'type = process', `command = ${PROBE} ${out} hold`);
      sb.service('idle', 'type = internal');
      d = await sb.start(['idle'], {
        // -f: services are signalled by the daemon's spawner (its child).
        prefix: ['strace', '-f', '-qq', '-e', 'trace=pidfd_send_signal,kill', '-o', trace],
      });
      expect(d.ctl('start', 'bg').status).toBe(0);
      const pid = pidIn(pidFile);
      sb.track(pid);
      expect(d.ctl('stop', 'bg').status).toBe(0);
      await eventually('the daemon process to exit', () => !alive(pid));
      let calls = fs.readFileSync(trace, 'utf8');
      expect(calls).toMatch(/pidfd_send_signal\(\d+, SIGTERM/);
      expect(calls).not.toMatch(new RegExp(`kill\\(-?${pid}, SIGTERM`));
      // A process service: launched by the spawner, which is its parent and the only one that
      // reaps it, so a plain kill(2) on the unreaped child (its group) cannot hit a recycled pid.
      expect(d.ctl('start', 'fg').status).toBe(0);
      const fgPid = Number((await probeResult(out))('pid'));
      const stat = fs.readFileSync(`/proc/${fgPid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      expect(parent).not.toBe(d.pid);
      expect(d.ctl('stop', 'fg').status).toBe(0);
      await eventually('the process to exit', () => !alive(fgPid));
      calls = fs.readFileSync(trace, 'utf8');
      expect(calls).toMatch(new RegExp(`^${parent} +kill\\(-${fgPid}, SIGTERM\\)`, 'm'));
    },
  );
});
