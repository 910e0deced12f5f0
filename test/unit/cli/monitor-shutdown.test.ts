// dinit-monitor's command line and command expansion; dinit-shutdown's command line.

import { expandWord, parseMonitorArgs, runMonitor, splitCommand } from '../../../src/monitor/main';
import { parseShutdownArgs, runShutdown } from '../../../src/shutdown/main';

describe('dinit-monitor', () => {
  it('parses options anywhere and ignores unknown ones', () => {
    const o = parseMonitorArgs(
      ['a', '-e', '--bogus', '-c', 'echo %n', '--str-started', 'UP', 'b', '-i'],
      false,
    );
    expect(o).toMatchObject({
      names: ['a', 'b'],
      exitAfter: true,
      initial: true,
      command: 'echo %n',
      strStarted: 'UP',
    });
    expect(parseMonitorArgs(['-s', 'x'], false).user).toBe(false);
  });

  it('splits a command at spaces, keeping double-quoted runs together', () => {
    expect(splitCommand('  echo "a b"  c\td ')).toEqual(['echo', '"a b"', 'c', 'd']);
    expect(splitCommand('   ')).toEqual([]);
  });

  it('expands %n, %s and %v and drops double quotes', () => {
    expect(expandWord('"%n is %s"', 'svc', 'started', undefined)).toBe('svc is started');
    expect(expandWord('%v/%n', 'VAR', 'set', 'val')).toBe('val/VAR');
    expect(expandWord('100%', 'n', 's', undefined)).toBe('100%');
  });

  it('turns %% into one % and keeps an unknown %x as written', () => {
    expect(expandWord('[%n][%%][%q]', 'HOME', 'set', '/h')).toBe('[HOME][%][%q]');
    expect(expandWord('%%n', 'svc', 'started', undefined)).toBe('%n');
  });

  it('reports usage errors with upstream text and exit 1', async () => {
    const errs: string[] = [];
    const io = {
      out: () => undefined,
      err: (t: string) => void errs.push(t),
      env: {},
      isRoot: false,
    };
    expect(await runMonitor(['-c', 'echo'], io)).toBe(1);
    expect(await runMonitor(['x'], io)).toBe(1);
    expect(await runMonitor(['x', '-c', '  '], io)).toBe(1);
    expect(await runMonitor(['x', '-c'], io)).toBe(1);
    expect(errs).toEqual([
      'dinit-monitor: specify at least one service name\n',
      'dinit-monitor: command must specified\n',
      'dinit-monitor: specified command is empty\n',
      'dinit-monitor: --command/-c should be followed by command\n',
    ]);
  });
});

describe('dinit-shutdown', () => {
  it('picks the action from options and the executable name', () => {
    expect(parseShutdownArgs([], 'dinit-shutdown', {})).toMatchObject({
      type: 'poweroff',
      socketPath: '/run/dinitctl',
    });
    expect(parseShutdownArgs([], 'reboot', {})).toMatchObject({ type: 'reboot' });
    expect(parseShutdownArgs([], 'soft-reboot', {})).toMatchObject({ type: 'softreboot' });
    expect(parseShutdownArgs(['-h'], 'reboot', {})).toMatchObject({ type: 'halt' });
    expect(parseShutdownArgs(['-k'], 'x', {})).toMatchObject({ type: 'kexec' });
    expect(parseShutdownArgs(['--user'], 'x', { XDG_RUNTIME_DIR: '/run/user/5' })).toMatchObject({
      socketPath: '/run/user/5/dinitctl',
    });
    expect(parseShutdownArgs(['-z'], 'x', {})).toBe('Unrecognized command-line parameter: -z');
  });

  it('says that a direct system shutdown is not supported yet when PID 1 is not dinit', async () => {
    let err = '';
    const code = await runShutdown(['--system'], 'dinit-shutdown', {
      out: () => undefined,
      err: (t) => (err += t),
      env: {},
    });
    expect(code).toBe(1);
    expect(err).toMatch(/not supported yet/);
  });
});
