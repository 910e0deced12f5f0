// Login accounting of dinit as PID 1 of a namespace: the boot record in wtmp and a fresh utmp
// once the starts-rwfs service has started, a utmp entry for a service with inittab-id while
// its process runs, marked dead when it stops, and no second boot record after the manager
// crashed and a new one took over. utmp lives in the namespace's own /run (a tmpfs) and a temp
// file is bind-mounted over /var/log/wtmp, so the host's databases are never touched; records are
// read back with utmpdump(1). Skipped where unshare cannot make namespaces.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { answers, bootNs, waitFor, whyNoNamespaces, type NsBoot } from './ns-harness';

const WTMP = '/var/log/wtmp';
const why =
  whyNoNamespaces() ??
  (spawnSync('utmpdump', ['--version']).status !== 0 ? 'no utmpdump' : undefined) ??
  (fs.existsSync(WTMP) ? undefined : `no ${WTMP} to bind a temp file over`) ??
  (process.arch === 'x64' || process.arch === 'arm64' ? undefined : `utmpx on ${process.arch}`);
const describeNs = why === undefined ? describe : describe.skip;
if (why !== undefined) console.log(`namespace utmp tests skipped: ${why}`);

/** [type, pid, id, line] of each record in a utmp-format file. */
function records(file: string): string[][] {
  const r = spawnSync('utmpdump', [file], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('['))
    .map((l) => [...l.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1].trim()))
    .map((f) => [f[0], String(Number(f[1])), f[2], f[4]]);
}

const tree: Record<string, string> = {
  boot: 'type = internal\nwaits-for = getty\n',
  rootrw: 'type = scripted\ncommand = /bin/true\noptions = starts-rwfs\n',
  getty:
    'type = process\ndepends-on = rootrw\ncommand = /bin/sleep 1000\n' +
    'inittab-id = t1\ninittab-line = tty1\n',
};

describeNs('utmp and wtmp with dinit as PID 1', () => {
  jest.setTimeout(60000);
  let boot: NsBoot | undefined;
  afterEach(async () => {
    await boot?.cleanup();
    boot = undefined;
  });

  it('writes the boot record and an entry for the getty, marked dead once it stops', async () => {
    // The namespace's wtmp, bind-mounted over the host's path inside the namespace only.
    const wtmp = `${fs.mkdtempSync('/tmp/dinit-wtmp-')}/wtmp`;
    fs.writeFileSync(wtmp, '');
    try {
      boot = await bootNs([], tree, {
        // Boot scripts create utmp; dinit only truncates it, as upstream does.
        setup: `: > /run/utmp && mount --bind ${wtmp} ${WTMP}`,
      });
      const b = boot;
      expect(await waitFor(() => b.ctl('is-started', 'boot').status === 0, 15000)).toBe(true);
      const pid = /Process ID: (\d+)/.exec(b.ctl('status', 'getty').stdout)?.[1];
      expect(pid).toBeDefined();
      const utmp = `/proc/${b.init}/root/run/utmp`;
      expect(records(utmp)).toEqual([
        ['2', '0', '', ''],
        ['5', pid, 't1', 'tty1'],
      ]);
      expect(records(wtmp)).toEqual([['2', '0', '', '']]);

      // A new manager after a crash takes the services back, and does not boot a second time.
      const old = b.manager() as number;
      process.kill(old, 'SIGKILL');
      expect(await waitFor(() => ![undefined, old].includes(b.manager()), 10000)).toBe(true);
      const end = Date.now() + 10000;
      while (Date.now() < end && !(await answers(b.socket)))
        await new Promise((r) => setTimeout(r, 50));
      expect(b.ctl('is-started', 'rootrw').status).toBe(0);

      expect(b.ctl('stop', 'getty').status).toBe(0);
      expect(records(utmp)).toEqual([
        ['2', '0', '', ''],
        ['8', pid, 't1', 'tty1'],
      ]);
      expect(records(wtmp)).toEqual([['2', '0', '', '']]);
    } finally {
      fs.rmSync(path.dirname(wtmp), { recursive: true, force: true });
    }
  });
});
