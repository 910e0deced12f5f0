// Per-process settings applied by the exec helper, seen from inside a real service process:
// rlimit-nofile/core/data/addrspace, nice (and the session's autogroup), ioprio, oom-score-adj,
// capabilities (a non-root service binding 127.0.0.1:80) and securebits.

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
import { have, isRoot } from '../../support/processes';

/** soft and hard values of one "Max ..." line of /proc/<pid>/limits. */
function limit(limits: string, name: string): [string, string] {
  const line = limits.split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`no ${name} in limits`);
  const cols = line.slice(26).trim().split(/\s+/);
  return [cols[0], cols[1]];
}

const describeBuilt = isBuilt() && needsHelper(__filename) ? describe : describe.skip;

describeBuilt('process limits and priorities (real daemon)', () => {
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;

  it('applies rlimit-nofile, rlimit-core, rlimit-data and rlimit-addrspace', async () => {
    const out = sb.outDir('out');
    sb.service(
      'lim',
      'type = process',
      `command = ${PROBE} ${out} hold`,
      'rlimit-nofile = 100:200',
      'rlimit-core = 1024',
      'rlimit-data = 1000000000:2000000000',
      'rlimit-addrspace = 3000000000:-',
    );
    d = await sb.start(['lim']);
    const limits = (await probeResult(out))('limits');
    expect(limit(limits, 'Max open files')).toEqual(['100', '200']);
    expect(limit(limits, 'Max core file size')).toEqual(['1024', '1024']);
    expect(limit(limits, 'Max data size')).toEqual(['1000000000', '2000000000']);
    expect(limit(limits, 'Max address space')).toEqual(['3000000000', 'unlimited']);
  });

  it('sets nice on the process and on its session autogroup, ioprio and oom-score-adj', async () => {
    const out = sb.outDir('out');
    sb.service(
      'prio',
      'type = process',
      `command = ${PROBE} ${out} hold`,
      'nice = 7',
      'ioprio = best-effort:3',
      'oom-score-adj = 123',
    );
    d = await sb.start(['prio']);
    const r = await probeResult(out);
    const stat = r('stat');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(fields[16]).toBe('7'); // field 19 of /proc/<pid>/stat: nice
    if (fs.existsSync('/proc/self/autogroup')) expect(r('autogroup')).toMatch(/ nice 7\n?$/);
    if (have('ionice')) expect(r('ioprio').trim()).toBe('best-effort: prio 3');
    expect(r('oom').trim()).toBe('123');
  });

  (isRoot ? it : it.skip)(
    'lets a service running as nobody bind 127.0.0.1:80 with capabilities = ^cap_net_bind_service',
    async () => {
      const without = path.join(sb.dir, 'without');
      const withCap = path.join(sb.dir, 'with');
      fs.chmodSync(sb.dir, 0o777);
      const node = process.execPath;
      const bind = path.join(FIXTURES, 'bind.js');
      sb.service(
        'plain',
        'type = scripted',
        `command = ${node} ${bind} ${without} 80`,
        'run-as = nobody',
      );
      sb.service(
        'capped',
        'type = scripted',
        `command = ${node} ${bind} ${withCap} 80`,
        'run-as = nobody',
        'capabilities = ^cap_net_bind_service',
      );
      sb.service('idle', 'type = internal');
      d = await sb.start(['idle']);
      expect(d.ctl('start', 'plain').status).toBe(0);
      await eventually('plain result', () => fs.existsSync(without));
      const plain = fs.readFileSync(without, 'utf8').trim();
      if (plain === 'EADDRINUSE') {
        console.log('linux/limits: port 80 on 127.0.0.1 is in use; capability test not run');
        return;
      }
      expect(plain).toBe('EACCES');
      expect(d.ctl('start', 'capped').stderr).toBe('');
      await eventually('capped result', () => fs.existsSync(withCap));
      expect(fs.readFileSync(withCap, 'utf8').trim()).toBe('ok');
    },
  );

  (isRoot && have('capsh') ? it : it.skip)(
    'applies securebits and the inheritable/bounding vectors',
    async () => {
      const out = sb.outDir('out');
      sb.service(
        'sb',
        'type = process',
        `command = ${PROBE} ${out} hold`,
        'capabilities = cap_net_bind_service,!cap_sys_module',
        'securebits = noroot keep-caps-locked',
      );
      d = await sb.start(['sb']);
      const r = await probeResult(out);
      const capsh = r('capsh');
      // execve clears keep-caps itself, but not its lock.
      expect(capsh).toMatch(/secure-noroot: yes \(unlocked\)/);
      expect(capsh).toMatch(/secure-keep-caps: no \(locked\)/);
      expect(capsh).toMatch(/secure-no-suid-fixup: no \(unlocked\)/);
      const status = r('status');
      const mask = (name: string) =>
        BigInt(
          '0x' +
            /^(\S+):\s+([0-9a-f]+)$/m.exec(
              status.split('\n').find((l) => l.startsWith(name + ':')) ?? '',
            )![2],
        );
      expect(mask('CapInh') & (1n << 10n)).toBe(1n << 10n); // cap_net_bind_service
      expect(mask('CapBnd') & (1n << 16n)).toBe(0n); // cap_sys_module dropped
    },
  );
});
