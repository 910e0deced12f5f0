// dinitctl command-line parsing: upstream's rules for options before/after the subcommand.

import { parseCommandLine } from '../../../src/cli/argv';
import { UsageError } from '../../../src/errors';

function fails(argv: string[]): UsageError {
  try {
    parseCommandLine(argv, false);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
}

describe('dinitctl command line', () => {
  it('accepts global options before and after the subcommand', () => {
    const a = parseCommandLine(['-p', '/s', 'start', '--no-wait', 'x', '--quiet'], false);
    expect(a).toMatchObject({
      command: 'start',
      args: ['x'],
      socketPath: '/s',
      noWait: true,
      quiet: true,
    });
  });

  it('defaults to the user daemon unless root, and -s/-u override', () => {
    expect(parseCommandLine(['list'], false).user).toBe(true);
    expect(parseCommandLine(['list'], true).user).toBe(false);
    expect(parseCommandLine(['-u', 'list'], true).user).toBe(true);
    expect(parseCommandLine(['list', '--system'], false).user).toBe(false);
  });

  it('shows help with no arguments and stops scanning at --help', () => {
    expect(parseCommandLine([], false).help).toBe(true);
    expect(parseCommandLine(['--help', '--bogus'], false).help).toBe(true);
  });

  it('accepts --force only after stop or restart', () => {
    expect(parseCommandLine(['stop', '-f', 'x'], false).force).toBe(true);
    expect(fails(['--force', 'stop', 'x']).generic).toBe(true);
    expect(fails(['start', '--force', 'x']).message).toBe('Invalid command line.');
  });

  it('rejects unknown options and commands with upstream text', () => {
    expect(fails(['start', '-x', 'y']).message).toBe(
      'unrecognized/invalid option: -x (use --help for help)',
    );
    expect(fails(['bogus']).message).toBe('unrecognized command: bogus (use --help for help)');
    expect(fails(['-p']).message).toBe('--socket-path/-p should be followed by socket path');
    expect(fails(['start', '']).message).toBe('Invalid empty argument');
  });

  it('requires exactly one service name for service commands', () => {
    expect(fails(['start']).generic).toBe(true);
    expect(fails(['start', 'a', 'b']).generic).toBe(true);
    expect(fails(['list', 'a']).generic).toBe(true);
  });

  it('parses add-dep type, from and to', () => {
    expect(parseCommandLine(['add-dep', 'need', 'a', 'b'], false)).toMatchObject({
      depType: 'regular',
      from: 'a',
      to: 'b',
    });
    expect(parseCommandLine(['rm-dep', 'milestone', 'a', 'b'], false).depType).toBe('milestone');
    expect(parseCommandLine(['add-dep', 'waits-for', 'a', 'b'], false).depType).toBe('waits-for');
    expect(fails(['add-dep', 'soft', 'a', 'b']).generic).toBe(true);
    expect(fails(['add-dep', 'need', 'a']).generic).toBe(true);
  });

  it('parses enable --from and -d directories', () => {
    const a = parseCommandLine(['-o', '-d', '/x', 'enable', '--from', 'f', 't', '-d', '/y'], false);
    expect(a).toMatchObject({ offline: true, servicesDirs: ['/x', '/y'], from: 'f', to: 't' });
    expect(fails(['--from', 'f', 'enable', 't']).generic).toBe(true);
    expect(fails(['enable', '--from']).message).toBe('--from should be followed by a service name');
  });

  it('parses signal with --list or a signal and a service', () => {
    expect(parseCommandLine(['signal', '-l'], false).listSignals).toBe(true);
    expect(parseCommandLine(['signal', 'HUP', 'x'], false)).toMatchObject({
      signal: 'HUP',
      from: 'x',
    });
    expect(fails(['signal']).message).toBe('signal number/name must be specified');
    expect(fails(['signal', 'HUP']).message).toBe('service name must be specified');
    expect(fails(['signal', '-l', 'HUP']).generic).toBe(true);
  });

  it('requires at least one variable for setenv', () => {
    expect(fails(['setenv']).generic).toBe(true);
    expect(parseCommandLine(['setenv', 'A=1', 'B'], false).args).toEqual(['A=1', 'B']);
  });

  it('stops at --version', () => {
    expect(parseCommandLine(['--version', '--bogus'], false).version).toBe(true);
  });
});
