// run-in-cgroup through the real daemon: the cgroup2 mount found in mountinfo (hybrid layouts
// included), relative paths taken from the daemon's own cgroup, absolute ones from the root,
// and kill-all-on-stop emptying the service's cgroup (cgroup.kill where the kernel has it).

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FIXTURES,
  isBuilt,
  PROBE,
  probeResult,
  sandboxEach,
  type Dinit,
  needsHelper,
} from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { alive, isRoot } from '../../support/processes';

/** The cgroup2 mount point, from our own mountinfo. */
function cgroup2Mount(): string | undefined {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.split(' ')[0] === 'cgroup2') return pre.split(' ')[4];
  }
  return undefined;
}
function ownCgroup(): string | undefined {
  const l = fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((x) => x.startsWith('0::'));
  return l?.slice(3);
}

const mount = cgroup2Mount();
const own = ownCgroup();
const usable = isBuilt() && isRoot && mount !== undefined && own !== undefined;
if (!usable) console.log('linux/cgroup: skipped (needs root and a cgroup2 mount)');

const describeUsable = usable && needsHelper(__filename) ? describe : describe.skip;

describeUsable(`run-in-cgroup (cgroup2 at ${mount})`, () => {
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;
  const made: string[] = [];
  /** Creates a cgroup under the test's own; returns its path relative to that. */
  function makeCgroup(): string {
    const name = `dinit-test-${process.pid}-${made.length}`;
    const dir = path.join(mount!, own!, name);
    fs.mkdirSync(dir);
    made.push(dir);
    return name;
  }
  afterEach(async () => {
    await sb.close();
    for (const dir of made.splice(0)) {
      try {
        for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n'))
          if (p) process.kill(Number(p), 'SIGKILL');
      } catch {
        // Already empty or gone.
      }
      await eventually(`${dir} to empty`, () => {
        try {
          fs.rmdirSync(dir);
          return true;
        } catch {
          return false;
        }
      }).catch(() => undefined);
    }
  });

  it('puts the service in a cgroup relative to the daemon own cgroup', async () => {
    // The daemon runs in cgroup A; the service asks for the relative path "svc".
    const a = makeCgroup();
    const aDir = path.join(mount!, own!, a);
    fs.mkdirSync(path.join(aDir, 'svc'));
    made.unshift(path.join(aDir, 'svc'));
    const out = sb.outDir('out');
    sb.service('cg', 'type = process', `command = ${PROBE} ${out} hold`, 'run-in-cgroup = svc');
    const enter = `echo $$ > ${path.join(aDir, 'cgroup.procs')} && exec "$@"`;
    d = await sb.start(['cg'], { prefix: ['sh', '-c', enter, 'sh'] });
    const line = (await probeResult(out))('cgroup')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    expect(line).toBe(`0::${path.posix.join(own!, a, 'svc')}`);
  });

  it('--cgroup-path names the cgroup relative paths start from', async () => {
    const a = makeCgroup();
    const aDir = path.join(mount!, own!, a);
    fs.mkdirSync(path.join(aDir, 'svc'));
    made.unshift(path.join(aDir, 'svc'));
    const out = sb.outDir('out');
    sb.service('cg', 'type = process', `command = ${PROBE} ${out} hold`, 'run-in-cgroup = svc');
    d = await sb.start(['-b', path.posix.join(own!, a), 'cg']);
    const line = (await probeResult(out))('cgroup')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    expect(line).toBe(`0::${path.posix.join(own!, a, 'svc')}`);
  });

  it('takes an absolute run-in-cgroup path from the cgroup2 root', async () => {
    const cg = makeCgroup();
    const abs = path.posix.join(own!, cg);
    const out = sb.outDir('out');
    sb.service('cg', 'type = process', `command = ${PROBE} ${out} hold`, `run-in-cgroup = ${abs}`);
    d = await sb.start(['cg']);
    const pid = (await probeResult(out))('pid').trim();
    const procs = fs.readFileSync(path.join(mount!, abs, 'cgroup.procs'), 'utf8');
    expect(procs.split('\n')).toContain(pid);
  });

  it('fails the start with the stage when the cgroup does not exist', async () => {
    const out = sb.outDir('out');
    sb.service(
      'cg',
      'type = process',
      `command = ${PROBE} ${out} hold`,
      'run-in-cgroup = /no-such-dinit-cgroup',
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    const r = d.ctl('start', 'cg');
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /Stage: entering cgroup\n\s*Error: No such file or directory/,
    );
  });

  it('kill-all-on-stop leaves no process of the service cgroup alive', async () => {
    const cg = makeCgroup();
    const out = sb.outDir('out');
    sb.service(
      'job',
      'type = scripted',
      `command = ${path.join(FIXTURES, 'orphans.sh')} ${out} 3 600`,
      `stop-command = /bin/true`,
      `run-in-cgroup = ${cg}`,
      'options = kill-all-on-stop',
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    expect(d.ctl('start', 'job').status).toBe(0);
    const orphans = [1, 2, 3].map((i) =>
      Number(fs.readFileSync(path.join(out, `orphan.${i}`), 'utf8')),
    );
    for (const p of orphans) expect(alive(p)).toBe(true);
    const procsFile = path.join(mount!, own!, cg, 'cgroup.procs');
    expect(fs.readFileSync(procsFile, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3);
    expect(d.ctl('stop', 'job').status).toBe(0);
    await eventually('the cgroup to empty', () => fs.readFileSync(procsFile, 'utf8').trim() === '');
    for (const p of orphans) expect(alive(p)).toBe(false);
    // The daemon itself, outside that cgroup, is untouched.
    expect(d.ctl('is-started', 'idle').status).toBe(0);
  });
});
