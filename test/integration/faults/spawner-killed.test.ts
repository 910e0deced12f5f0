// The daemon's spawner killed from outside (as kill-all-on-stop's kill(-1) does): the daemon
// starts a new one, launches through it, and still follows the services the old one started.

import * as fs from 'node:fs';
import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const linux = isBuilt() && process.platform === 'linux';

function spawnerOf(pid: number): number | undefined {
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
      if (c.trim() === '') continue;
      try {
        if (fs.readFileSync(`/proc/${c}/comm`, 'utf8') === 'dinit-spawner\n') return Number(c);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return undefined;
}

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

const pidIn = (status: string): number => Number(/Process ID: (\d+)/.exec(status)?.[1]);

(linux ? describe : describe.skip)('the spawner killed', () => {
  const sb = sandboxEach('dinit-spawner-');

  it('starts a new spawner, launches through it and still follows the old services', async () => {
    sb.service('old', 'type = process', 'command = /bin/sleep 1000', 'restart = no');
    sb.service('new', 'type = process', 'command = /bin/sleep 1000');
    const dn = await sb.start(['old']);
    const first = spawnerOf(dn.pid);
    if (first === undefined) return; // no spawner built: child_process launches, nothing to test
    const old = pidIn(dn.ctl('status', 'old').stdout);
    process.kill(first, 'SIGKILL');
    let second: number | undefined;
    await eventually('a new spawner', () => {
      second = spawnerOf(dn.pid);
      return second !== undefined && second !== first;
    });
    expect(dn.ctl('start', 'new').status).toBe(0);
    expect(parentOf(pidIn(dn.ctl('status', 'new').stdout))).toBe(second);
    // The old spawner's child passed to the daemon, which still sees it exit.
    process.kill(old, 'SIGKILL');
    await eventually('the old service to stop', () =>
      dn.ctl('status', 'old').stdout.includes('State: STOPPED'),
    );
  });
});
