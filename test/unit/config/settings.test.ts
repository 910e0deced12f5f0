// The settings table and service-name rules: every upstream setting is known, += only where
// upstream allows it, and names that could escape a service directory are refused.

import { SETTINGS, validateServiceName } from '../../../src/config/settings';

const UPSTREAM_SETTINGS = [
  'type', 'command', 'working-dir', 'env-file', 'socket-listen', 'socket-permissions', 'socket-uid',
  'socket-gid', 'stop-command', 'pid-file', 'depends-on', 'depends-ms', 'waits-for', 'waits-for.d',
  'depends-on.d', 'depends-ms.d', 'after', 'before', 'prepared-by', 'logfile', 'logfile-permissions',
  'logfile-uid', 'logfile-gid', 'log-type', 'log-buffer-size', 'consumer-of', 'restart',
  'smooth-recovery', 'options', 'load-options', 'term-signal', 'termsignal', 'restart-limit-interval',
  'restart-delay', 'restart-limit-count', 'stop-timeout', 'start-timeout', 'run-as', 'chain-to',
  'ready-notification', 'inittab-id', 'inittab-line', 'rlimit-nofile', 'rlimit-core', 'rlimit-data',
  'rlimit-addrspace', 'nice', 'run-in-cgroup', 'capabilities', 'securebits', 'ioprio', 'oom-score-adj',
]; // prettier-ignore

describe('settings table', () => {
  it('knows every setting upstream knows, plus run-in-jail', () => {
    const upstreamOrJail = [...SETTINGS.entries()].filter(([, d]) => !d.extension);
    expect(upstreamOrJail.map(([k]) => k).sort()).toEqual(
      [...UPSTREAM_SETTINGS, 'run-in-jail'].sort(),
    );
  });

  it('marks the supervision settings as dinit-ts extensions', () => {
    for (const name of ['watchdog-timeout', 'restart-delay-max', 'restart-reset-after']) {
      expect(SETTINGS.get(name)?.extension).toBe(true);
    }
  });

  it('marks the log settings of dinit-ts as extensions', () => {
    for (const name of ['log-buffer-keep', 'logfile-max-size', 'logfile-max-files'])
      expect(SETTINGS.get(name)?.extension).toBe(true);
  });

  it('allows += only for command, stop-command, capabilities and securebits', () => {
    const plus = [...SETTINGS.entries()].filter(([, d]) => d.plusAssign).map(([k]) => k);
    expect(plus.sort()).toEqual(['capabilities', 'command', 'securebits', 'stop-command']);
  });
});

describe('validateServiceName', () => {
  it('accepts ordinary names, names with arguments and non-ASCII letters', () => {
    for (const n of ['boot', 'getty@tty1', 'a.b-c_d', 'mount@/dev/sda1', 'café', 'x..y']) {
      expect(validateServiceName(n)).toBe(true);
    }
  });

  it('refuses empty names, a leading dot or @, a slash, and control characters', () => {
    for (const n of [
      '',
      '.hidden',
      '..',
      '@arg',
      'a/b',
      '../etc/passwd',
      'a\x01b',
      'x@a\nb',
      'del\x7f',
    ]) {
      expect(validateServiceName(n)).toBe(false);
    }
  });
});
