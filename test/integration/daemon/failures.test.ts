// The failed states and their reasons as `dinitctl start`, `status` and `list` show them on the
// real daemon (exit status, signal, start timeout, dependency, exec failure, bad pid files), and
// the log lines that go with them. Expected text is upstream's (run with DINIT/DINITCTL to check).

import { isBuilt, sandboxAll, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

(isBuilt() ? describe : describe.skip)('failed states and reasons on the real daemon', () => {
  const sb = sandboxAll('dinit-core-fail-');
  let d: Dinit;
  const ctl = (...args: string[]) => d.ctlOut(...args);
  const logText = (): string => sb.read('log');

  beforeAll(async () => {
    sb.service('boot', 'type = internal');
    sb.service('exit3', 'type = scripted', 'command = /bin/sh -c "exit 3"');
    sb.service('exit4', 'type = process', 'command = /bin/sh -c "exit 4"', 'restart = no');
    sb.service(
      'killed',
      'type = process',
      'command = /bin/sh -c "kill -KILL $$$$"',
      'restart = no',
    );
    sb.service('slow', 'type = scripted', 'command = /bin/sleep 30', 'start-timeout = 0.5');
    sb.service('dep', 'type = internal', 'depends-on = exit3');
    sb.service('noexec', 'type = process', `command = ${sb.path('no-such-program')}`);
    sb.service(
      'bgnopid',
      'type = bgprocess',
      'command = /bin/true',
      `pid-file = ${sb.path('none.pid')}`,
    );
    sb.service(
      'bgdead',
      'type = bgprocess',
      `command = /bin/sh -c "echo 999999 > ${sb.path('dead.pid')}"`,
      `pid-file = ${sb.path('dead.pid')}`,
    );
    sb.service(
      'bgbad',
      'type = bgprocess',
      `command = /bin/sh -c "echo garbage > ${sb.path('bad.pid')}"`,
      `pid-file = ${sb.path('bad.pid')}`,
    );
    d = await sb.start(['-l', sb.path('log')]);
  });

  test('scripted command exiting 3: failed to start with its exit status', () => {
    expect(ctl('start', 'exit3')).toEqual({
      status: 1,
      out:
        "Service 'exit3' failed to start.\n" +
        'Reason: service process terminated before ready: exited - status 3\n',
    });
    expect(ctl('status', 'exit3').out).toContain(
      '    State: STOPPED (failed to start; exited - status 3)\n',
    );
    expect(logText()).toContain('Service exit3 command failed with exit code 3\n');
  });

  test('a started process that exits 4: terminated, with the exit status in list', async () => {
    expect(ctl('start', 'exit4').status).toBe(0);
    await eventually('exit4 to stop', () => ctl('is-started', 'exit4').status !== 0);
    await eventually('exit4 to report stopped', () =>
      ctl('status', 'exit4').out.includes('STOPPED'),
    );
    expect(ctl('status', 'exit4').out).toContain(
      '    State: STOPPED (terminated; exited - status 4)\n',
    );
    expect(ctl('list').out).toContain('[     {X}] exit4 (exit status: 4)\n');
  });

  test('a started process killed by a signal: terminated, with the signal', async () => {
    expect(ctl('start', 'killed').status).toBe(0);
    await eventually('killed to report stopped', () =>
      ctl('status', 'killed').out.includes('STOPPED'),
    );
    expect(ctl('status', 'killed').out).toContain(
      '    State: STOPPED (terminated; signalled - signal 9)\n',
    );
    expect(ctl('list').out).toContain('[     {X}] killed (signal: 9)\n');
    expect(logText()).toContain('Service killed terminated due to signal 9\n');
  });

  test('start-timeout: SIGINT is sent and the start counts as timed out', async () => {
    expect(ctl('start', 'slow')).toEqual({
      status: 1,
      out: "Service 'slow' failed to start.\nReason: start timed out.\n",
    });
    await eventually('slow to report stopped', () => ctl('status', 'slow').out.includes('STOPPED'));
    expect(ctl('status', 'slow').out).toContain('    State: STOPPED (start timed out)\n');
    expect(ctl('list').out).toContain('[     {X}] slow\n');
    expect(logText()).toContain('Interrupting start of service slow with pid ');
    expect(logText()).toMatch(/Interrupting start of service slow with pid \d+ \(with SIGINT\)\./);
    expect(logText()).toContain('Service slow start cancelled from signal 2\n');
  });

  test('a failed dependency: dependency failed', () => {
    expect(ctl('start', 'dep')).toEqual({
      status: 1,
      out:
        "Service 'dep' failed to start.\n" +
        'Reason: a dependency of the service failed to start. Check dinit log.\n',
    });
    expect(ctl('status', 'dep').out).toContain(
      '    State: STOPPED (dependency failed/terminated)\n',
    );
  });

  test('exec failure: could not be launched, with stage and error', () => {
    expect(ctl('start', 'noexec').status).toBe(1);
    expect(ctl('status', 'noexec').out).toContain(
      '    State: STOPPED (could not be launched)\n' +
        '        Stage: executing command\n' +
        '        Error: No such file or directory\n',
    );
    expect(logText()).toContain(
      'noexec: execution failed - executing command: No such file or directory\n',
    );
  });

  test.each([
    ['bgnopid', 'bgnopid: read pid file: No such file or directory\n'],
    ['bgdead', 'bgdead: pid read from pidfile (999999) is not valid\n'],
    ['bgbad', 'bgbad: pid read from pidfile (-1) is not valid\n'],
  ])('bgprocess %s: a bad pid file is a start failure with upstream message', (name, line) => {
    expect(ctl('start', name)).toEqual({
      status: 1,
      out:
        `Service '${name}' failed to start.\n` +
        'Reason: service process terminated before ready: exited - status 0\n',
    });
    expect(ctl('status', name).out).toContain('    State: STOPPED (failed to start)\n');
    expect(logText()).toContain(line);
    expect(logText()).toContain(`service ${name} failed to start.\n`);
  });
});
