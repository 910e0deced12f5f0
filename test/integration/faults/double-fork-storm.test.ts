// A double-fork storm: a service leaves hundreds of detached grandchildren (new sessions, so
// outside its process group). The daemon keeps answering through it, and as the subreaper it
// reaps every orphan that exits: no zombie is left. Without kill-all-on-stop the orphans outlive
// the service's stop; with it (kill(-1), as upstream: so in a PID namespace of its own here)
// none of them survives the stop.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, ROOT, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { isRoot, SANDBOX_MARK, killQuietly, zombieChildren } from '../../support/processes';

const FIXTURES = path.join(ROOT, 'fixtures/faults');
const STORM = Number(process.env.DINIT_FAULT_STORM ?? 300);

const linux = isBuilt() && process.platform === 'linux';

function whyNoPidNs(): string | undefined {
  if (!linux) return 'not Linux or not built';
  if (!isRoot) return 'not root';
  const r = spawnSync('unshare', ['-p', '-f', '-m', '--mount-proc', 'true'], { timeout: 5000 });
  if (r.status !== 0)
    return `unshare -p -f -m --mount-proc fails here (${r.error?.message ?? r.status})`;
  return undefined;
}
const noPidNs = whyNoPidNs();
if (linux && noPidNs !== undefined)
  console.log(`faults/double-fork-storm: kill-all-on-stop skipped: ${noPidNs}`);

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Parent pid and state of a process, undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  const text = readOr(`/proc/${pid}/stat`);
  if (text === '') return undefined;
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ppid: Number(f[1]) };
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    for (const c of readOr(`/proc/${pid}/task/${tid}/children`).split(' '))
      if (c.trim() !== '') out.push(Number(c));
  }
  return out;
}

/** Host pids of the sleeping orphans of the sandbox at dir (zombies included). */
function orphansOf(dir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter(
      (p) =>
        readOr(`/proc/${p}/comm`) === 'sleep\n' &&
        readOr(`/proc/${p}/cmdline`) === 'sleep\x001000\x00' &&
        readOr(`/proc/${p}/environ`).split('\0').includes(`${SANDBOX_MARK}=${dir}`),
    );
}

/** The daemon and its own helper (the spawner, which launches services): the subreapers. */
function reapers(dn: Dinit): number[] {
  return [
    dn.pid,
    ...children(dn.pid).filter((c) => readOr(`/proc/${c}/comm`) === 'dinit-spawner\n'),
  ];
}

/** Zombies left under the daemon or its spawner. */
const zombies = (dn: Dinit): number[] => reapers(dn).flatMap((p) => zombieChildren(p));

/**
 * Starts the storm service and, until every orphan has recorded itself, asks the daemon for its
 * status. Returns how many times it answered.
 */
async function stormWhileAsking(dn: Dinit, out: string, name: string): Promise<number> {
  const r = dn.ctl('start', '--no-wait', name);
  expect(r.status).toBe(0);
  let answers = 0;
  for (;;) {
    const done = readOr(path.join(out, 'orphans')).split('\n').length - 1 >= STORM;
    const st = dn.ctl('status', name);
    expect(st.status).toBe(0);
    expect(st.stdout).toMatch(/State: (STARTING|STARTED)/);
    answers++;
    if (done) return answers;
    await new Promise((res) => setTimeout(res, 100));
  }
}

(linux ? describe : describe.skip)(`a storm of ${STORM} double-forked orphans`, () => {
  const sb = sandboxEach('dinit-storm-');

  it('keeps answering, leaves the orphans running after a stop, and reaps them when they exit', async () => {
    const out = sb.outDir('out');
    sb.service(
      'storm',
      'type = process',
      `command = ${path.join(FIXTURES, 'storm.sh')} ${out} ${STORM} hold`,
    );
    sb.service('boot', 'type = internal');
    const dn = await sb.start(['boot']);
    expect(await stormWhileAsking(dn, out, 'storm')).toBeGreaterThan(0);
    // Each orphan goes to the nearest subreaper, the daemon or its spawner (not init), once
    // the subshell that started it has exited.
    const subreapers = reapers(dn);
    let orphans: number[] = [];
    await eventually('every orphan to be re-parented to the daemon', () => {
      orphans = orphansOf(sb.dir);
      return (
        orphans.length === STORM &&
        orphans.every((p) => subreapers.includes(procStat(p)?.ppid ?? 0))
      );
    });

    // Stopping signals the service's process group; the orphans left it, so they live on.
    expect(dn.ctl('stop', 'storm').status).toBe(0);
    expect(orphansOf(sb.dir).filter((p) => procStat(p)?.state !== 'Z').length).toBe(STORM);
    expect(dn.ctl('is-started', 'boot').status).toBe(0);

    // When they die, the daemon reaps every one of them.
    for (const p of orphans) killQuietly(p);
    await eventually('every orphan to be reaped', () => orphans.every((p) => !procStat(p)));
    expect(zombies(dn)).toEqual([]);
    expect(dn.ctl('list').status).toBe(0);
  });

  (noPidNs === undefined ? it : it.skip)(
    'with kill-all-on-stop, nothing of the storm survives the stop (in a PID namespace)',
    async () => {
      const out = sb.outDir('out');
      sb.service(
        'storm',
        'type = scripted',
        `command = ${path.join(FIXTURES, 'storm.sh')} ${out} ${STORM}`,
        'options = kill-all-on-stop',
      );
      sb.service('after', 'type = process', 'command = /bin/sleep 1000');
      sb.service('boot', 'type = internal');
      // kill(-1) reaches every process the daemon may signal: here only the namespace, whose
      // PID 1 (a shell waiting for the daemon) it spares.
      const dn = await sb.start(['boot'], {
        prefix: [
          'unshare',
          '-p',
          '-f',
          '-m',
          '--mount-proc',
          '--',
          'sh',
          '-c',
          '"$@" & wait $!',
          'sh',
        ],
      });
      const daemon = children(children(dn.proc.pid!)[0]).find((c) =>
        fs.readlinkSync(`/proc/${c}/exe`).endsWith('/node'),
      );
      expect(daemon).toBeDefined();
      dn.pid = daemon!;
      const spawners = (): number[] => reapers(dn).slice(1);
      const hadSpawner = spawners().length === 1;
      expect(await stormWhileAsking(dn, out, 'storm')).toBeGreaterThan(0);
      expect(dn.ctl('is-started', 'storm').status).toBe(0);
      let orphans: number[] = [];
      await eventually('every orphan to run sleep', () => {
        orphans = orphansOf(sb.dir);
        return orphans.length === STORM;
      });

      expect(dn.ctl('stop', 'storm').status).toBe(0);
      // Killed by the time the stop is reported; reaped by the daemon soon after.
      expect(orphans.filter((p) => (procStat(p)?.state ?? 'Z') !== 'Z')).toEqual([]);
      await eventually('every orphan to be reaped', () => orphans.every((p) => !procStat(p)));
      expect(zombies(dn)).toEqual([]);
      // The daemon goes on: it answers and launches services, through its spawner again if it
      // had one (kill(-1) killed that too).
      expect(dn.ctl('start', 'after').status).toBe(0);
      expect(dn.ctl('is-started', 'after').status).toBe(0);
      expect(dn.ctl('is-started', 'boot').status).toBe(0);
      if (hadSpawner) {
        expect(spawners().length).toBe(1);
        expect(children(spawners()[0]).map((c) => readOr(`/proc/${c}/comm`))).toEqual(['sleep\n']);
      }
    },
  );
});
