// dinit's command-line parsing: options, defaults by mode, and upstream's error lines/statuses.

import { defaultSocketPath, parseArgs, type ParseContext } from '../../../src/daemon/options';

const user: ParseContext = { pid: 1234, uid: 1000, isOpenFd: (fd) => fd === 5 };
const root: ParseContext = { ...user, uid: 0 };

function run(argv: string[], ctx = user) {
  const r = parseArgs(argv, ctx);
  if (r.action !== 'run') throw new Error(`expected run, got ${JSON.stringify(r)}`);
  return r.options;
}

describe('parseArgs', () => {
  it('starts "boot" when no service is named', () => {
    expect(run([]).services).toEqual(['boot']);
  });

  it('collects service names from positional arguments and --service/-t in order', () => {
    expect(run(['a', '-t', 'b', '--service', 'c']).services).toEqual(['a', 'b', 'c']);
  });

  it('accepts repeated -d/--services-dir in order', () => {
    expect(run(['-d', 'one', '--services-dir', 'two']).serviceDirs).toEqual(['one', 'two']);
  });

  it('runs in system mode by default as root and user mode otherwise; -u and -s override', () => {
    expect(run([], root).systemInit).toBe(true);
    expect(run([]).systemInit).toBe(false);
    expect(run(['-u'], root).systemInit).toBe(false);
    expect(run(['-s']).systemInit).toBe(true);
  });

  it('-q turns off status lines and console messages', () => {
    const o = run(['-q']);
    expect(o.consoleServiceStatus).toBe(false);
    expect(o.consoleLevel).toBe('none');
  });

  it('maps --log-level info to the notice level and rejects unknown levels', () => {
    expect(run(['--log-level', 'info']).mainLogLevel).toBe('notice');
    expect(parseArgs(['--console-level', 'loud'], user)).toEqual({
      action: 'exit',
      status: 1,
      stderr:
        "dinit: '--console-level' accepts only arguments: 'none', 'error', 'warn', 'info', 'debug'\n",
    });
  });

  it.each([
    [['-d'], "dinit: '--services-dir' (-d) requires an argument\n"],
    [['-e', ''], "dinit: '--env-file' (-e) requires an argument\n"],
    [['-p'], "dinit: '--socket-path' (-p) requires an argument\n"],
    [['-l'], "dinit: '--log-file' (-l) requires an argument\n"],
    [['-F'], "dinit: '--ready-fd' (-F) requires an argument\n"],
    [['-F', 'x'], "dinit: '--ready-fd' (-F) requires a numerical argument\n"],
    [['-F', '7'], "dinit: '--ready-fd' (-F) requires an open file descriptor\n"],
    [['-F', '0'], "dinit: '--ready-fd' (-F) requires an open file descriptor\n"],
    [['--frobnicate'], 'dinit: unrecognized option: --frobnicate\n'],
    [[''], 'dinit: error: empty command-line argument\n'],
    [['.hidden'], "dinit: error: invalid service name '.hidden'.\n"],
  ])("rejects %j with status 1 and upstream's message", (argv, stderr) => {
    expect(parseArgs(argv, user)).toEqual({ action: 'exit', status: 1, stderr });
  });

  it('accepts an open ready fd', () => {
    expect(run(['-F', '5']).readyFd).toBe(5);
  });

  it('prints help and version with status 0', () => {
    const h = parseArgs(['--help'], user);
    expect(
      h.action === 'exit' &&
        h.status === 0 &&
        h.stdout?.startsWith('dinit: init/service manager daemon\n'),
    ).toBe(true);
    const v = parseArgs(['--version'], user);
    expect(v.action === 'exit' && v.stdout?.startsWith('Dinit version 0.22.1.\n')).toBe(true);
  });

  it('as PID 1 run by root ignores unknown arguments until -m or -o, except "single"', () => {
    const pid1: ParseContext = { ...root, pid: 1 };
    expect(run(['nopti', '--weird', 'single'], pid1).services).toEqual(['single']);
    expect(run(['-o', 'x'], pid1).services).toEqual(['x']);
    expect(run([], pid1).envFile).toBe('/etc/dinit/environment');
  });
});

describe('defaultSocketPath', () => {
  it('uses /run/dinitctl for the system instance', () => {
    expect(defaultSocketPath(true, { XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/dinitctl');
  });
  it('uses $XDG_RUNTIME_DIR/dinitctl, else $HOME/.dinitctl, in user mode', () => {
    expect(defaultSocketPath(false, { XDG_RUNTIME_DIR: '/run/user/1', HOME: '/h' })).toBe(
      '/run/user/1/dinitctl',
    );
    expect(defaultSocketPath(false, { HOME: '/h' })).toBe('/h/.dinitctl');
    expect(defaultSocketPath(false, {}, '/from/passwd')).toBe('/from/passwd/.dinitctl');
  });
});
