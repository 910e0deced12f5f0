// PidfdWatcher on real processes: a pidfd becomes readable when its process exits, several
// are watched by one poll, a cancelled watch never fires, and dispose ends the poll.

import { spawn } from 'node:child_process';
import { loadLibc } from '../../../adapters/posix/ffi';
import { PidfdWatcher } from '../../../adapters/linux/pidfd-watch';
import { bindLinuxSys } from '../../../adapters/linux/sys';

const libc = process.platform === 'linux' ? loadLibc(['libc.so.6', '']) : undefined;
const sys = libc ? bindLinuxSys(libc) : undefined;
const usable = sys !== undefined && sys.pidfdOpen(process.pid) >= 0;
if (!usable) console.log('pidfd-watch: skipped (needs Linux with pidfd_open and koffi)');

(usable ? describe : describe.skip)('PidfdWatcher', () => {
  let watcher: PidfdWatcher;
  const fds: number[] = [];
  const procs: ReturnType<typeof spawn>[] = [];
  beforeEach(() => {
    watcher = new PidfdWatcher(libc!, (fd) => sys!.pidfdSendSignal(fd, 0, 0) === 0);
  });
  afterEach(() => {
    watcher.dispose();
    for (const p of procs.splice(0)) p.kill('SIGKILL');
    for (const fd of fds.splice(0)) libc!.close(fd);
  });

  function sleeper(): { pid: number; fd: number } {
    const p = spawn('sleep', ['30'], { stdio: 'ignore' });
    procs.push(p);
    const fd = sys!.pidfdOpen(p.pid!);
    fds.push(fd);
    return { pid: p.pid!, fd };
  }

  it('reports the exit of the one process that died, and keeps watching the others', async () => {
    const a = sleeper();
    const b = sleeper();
    const c = sleeper();
    const fired: number[] = [];
    const bDone = new Promise<void>((res) => watcher.watch(b.fd, () => (fired.push(b.pid), res())));
    watcher.watch(a.fd, () => fired.push(a.pid));
    const cWatch = watcher.watch(c.fd, () => fired.push(c.pid));
    expect(watcher.size).toBe(3);
    cWatch.cancel();
    expect(watcher.size).toBe(2);
    process.kill(c.pid, 'SIGKILL');
    process.kill(b.pid, 'SIGKILL');
    await bDone;
    expect(fired).toEqual([b.pid]);
    expect(watcher.size).toBe(1);
  });
});
