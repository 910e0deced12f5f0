// Pid file parsing (strtoull base-0 rules) and cgroup v2 path resolution from mountinfo.

import { parsePidText } from '../../../adapters/posix/pidfile';
import { findCgroup2Mount, ownCgroupPath, resolveCgroupDir } from '../../../adapters/linux/cgroup';

describe('parsePidText', () => {
  it.each([
    ['1234\n', 1234],
    ['  42', 42],
    ['0x1f', 31],
    ['010', 8],
    ['0', 0],
    ['77abc', 77],
    ['+5', 5],
  ])('reads %j as %d', (text, pid) => {
    expect(parsePidText(text)).toBe(pid);
  });

  it('finds no number in text without digits', () => {
    expect(parsePidText('')).toBeUndefined();
    expect(parsePidText('abc')).toBeUndefined();
    expect(parsePidText('\n')).toBeUndefined();
  });

  it('turns a negative number into one that is never a pid', () => {
    expect(parsePidText('-1')).toBeGreaterThan(2147483647);
  });
});

const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('cgroup v2 paths', () => {
  it('finds the cgroup2 mount in hybrid mode', () => {
    expect(findCgroup2Mount(HYBRID)).toBe('/sys/fs/cgroup/unified');
  });

  it('finds the cgroup2 mount in unified mode, with optional fields and escapes', () => {
    const line =
      '29 22 0:26 / /sys/fs/my\\040cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate';
    expect(findCgroup2Mount(line)).toBe('/sys/fs/my cgroup');
  });

  it('reports no mount when there is no cgroup2 filesystem', () => {
    expect(
      findCgroup2Mount('32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu'),
    ).toBeUndefined();
  });

  it('reads the unified-hierarchy line of /proc/self/cgroup', () => {
    expect(ownCgroupPath('4:memory:/x\n0::/system.slice/dinit\n')).toBe('/system.slice/dinit');
    expect(ownCgroupPath('4:memory:/x\n')).toBeUndefined();
  });

  it('resolves relative settings against the daemon cgroup and absolute ones against the root', () => {
    expect(resolveCgroupDir('/sys/fs/cgroup', '/dinit', 'svc/a')).toBe(
      '/sys/fs/cgroup/dinit/svc/a',
    );
    expect(resolveCgroupDir('/sys/fs/cgroup', '/', 'svc')).toBe('/sys/fs/cgroup/svc');
    expect(resolveCgroupDir('/sys/fs/cgroup', '/dinit', '/other')).toBe('/sys/fs/cgroup/other');
    expect(resolveCgroupDir('/sys/fs/cgroup', undefined, 'svc')).toBeUndefined();
  });

  it('keeps paths that climb with .. inside the hierarchy', () => {
    expect(resolveCgroupDir('/sys/fs/cgroup', '/', '../../etc')).toBe('/sys/fs/cgroup/etc');
  });
});
