// run-as through the real daemon on Linux: a name sets uid, primary gid and every supplementary
// group of that user; a number keeps the daemon's gid and drops supplementary groups; a daemon
// that may not switch users refuses the start, and dinitctl names the stage and errno.

import { spawnSync } from 'node:child_process';
import { isBuilt, PROBE, probeResult, sandboxEach, needsHelper } from '../../support/daemon';
import { have, isRoot } from '../../support/processes';

const idOf = (args: string[]) => spawnSync('id', args, { encoding: 'utf8' }).stdout.trim();
/** A user with at least one supplementary group, to see initgroups at work. */
function userWithGroups(): string | undefined {
  const r = spawnSync('getent', ['passwd'], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) {
    const name = line.split(':')[0];
    if (name && idOf(['-G', name]).split(' ').length > 1) return name;
  }
  return undefined;
}

const helper = needsHelper(__filename);
const describeRoot = isBuilt() && isRoot && helper ? describe : describe.skip;
if (!isRoot) console.log('linux/runas: skipped (run-as tests need root)');

describeRoot('run-as (daemon as root)', () => {
  const sb = sandboxEach('dinit-linux-');

  it('runs a service as nobody by name, with its uid, primary gid and groups', async () => {
    const out = sb.outDir('out');
    sb.service('who', 'type = process', `command = ${PROBE} ${out} hold`, 'run-as = nobody');
    await sb.start(['who']);
    const r = await probeResult(out);
    expect(r('uid').trim()).toBe(idOf(['-u', 'nobody']));
    expect(r('gid').trim()).toBe(idOf(['-g', 'nobody']));
    expect(r('groups').trim().split(' ').sort()).toEqual(idOf(['-G', 'nobody']).split(' ').sort());
  });

  const multi = userWithGroups();
  (multi ? it : it.skip)(`gives a named user all its supplementary groups (${multi})`, async () => {
    const out = sb.outDir('out');
    sb.service('who', 'type = process', `command = ${PROBE} ${out} hold`, `run-as = ${multi}`);
    await sb.start(['who']);
    const r = await probeResult(out);
    expect(r('uid').trim()).toBe(idOf(['-u', multi!]));
    expect(r('gid').trim()).toBe(idOf(['-g', multi!]));
    expect(r('groups').trim().split(' ').sort()).toEqual(idOf(['-G', multi!]).split(' ').sort());
  });

  it('runs a service as a numeric uid: the daemon gid stays, supplementary groups go', async () => {
    const out = sb.outDir('out');
    sb.service('who', 'type = process', `command = ${PROBE} ${out} hold`, 'run-as = 65534');
    await sb.start(['who']);
    const r = await probeResult(out);
    expect(r('uid').trim()).toBe('65534');
    expect(r('gid').trim()).toBe(String(process.getgid!()));
    expect(r('groups').trim()).toBe(String(process.getgid!()));
  });
});

const canSetpriv = isBuilt() && isRoot && have('setpriv');
(canSetpriv && helper ? describe : describe.skip)('run-as (daemon as an unprivileged user)', () => {
  const sb = sandboxEach('dinit-linux-');

  it('refuses the start, and dinitctl names the failing stage and errno', async () => {
    const out = sb.outDir('out');
    const run = sb.outDir('run');
    sb.service('asroot', 'type = process', `command = ${PROBE} ${out} hold`, 'run-as = root');
    sb.service('idle', 'type = internal');
    const d = await sb.start(['idle'], {
      prefix: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'],
      socketDir: run,
      env: { PATH: process.env.PATH, HOME: run },
    });
    const r = d.ctl('start', 'asroot');
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain("Service 'asroot' failed to start.");
    expect(r.stdout + r.stderr).toMatch(
      /Stage: setting user\/group ID\n\s*Error: Operation not permitted/,
    );
    expect(d.ctl('is-started', 'asroot').status).not.toBe(0);
  });
});
