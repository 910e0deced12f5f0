// Service types on the fake OS: process (started once exec succeeds, or once it writes its
// readiness), bgprocess (started once its pid file names a live daemon, then watched), scripted,
// triggered; the ProcessSpec the core builds; consumer-of pipes and log buffers.

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';
import { LogBuffer } from '../../../src/core/log-buffer';
import { ExecStage } from '../../../src/model';

describe('process', () => {
  test('a process service is started once exec succeeds', () => {
    const h = new Harness({ execStatus: true }).add(desc('p', { type: 'process' }));
    expect(h.start('p')).toBe('ok');
    expect(h.state('p')).toBe('starting');
    h.os.execOk('p');
    expect(h.state('p')).toBe('started');
    expect(h.status('p').pid).toBe(100);
    expect(h.host.serviceEvents).toEqual(['started p']);
  });

  test('the set counts the services that are starting or stopping', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('p', { type: 'process' }),
      desc('q', { type: 'process' }),
    );
    h.start('p');
    h.start('q');
    expect(h.set.countTransitioning()).toBe(2);
    h.os.execOk('p');
    expect(h.set.countTransitioning()).toBe(1);
    h.os.execFail('q', ExecStage.DO_EXEC, 2, 'No such file or directory');
    expect(h.set.countTransitioning()).toBe(0);
    h.stop('p');
    expect(h.state('p')).toBe('stopping');
    expect(h.set.countTransitioning()).toBe(1);
    h.os.exit('p', signalled(15));
    expect(h.state('p')).toBe('stopped');
    expect(h.set.countTransitioning()).toBe(0);
  });

  test('exec failure fails the start with the stage and errno', () => {
    const h = new Harness({ execStatus: true }).add(desc('p', { type: 'process' }));
    h.start('p');
    h.os.execFail('p', ExecStage.DO_EXEC, 2, 'No such file or directory');
    expect(h.state('p')).toBe('stopped');
    const st = h.status('p');
    expect(st.stopReason).toBe('execfailed');
    expect(st.execFailure).toEqual({ stage: 18, errno: 2 });
    expect(h.eventsOf('p')).toEqual(['failedstart', 'stopped']);
    expect(
      h.host.logged('p: execution failed - executing command: No such file or directory', 'error'),
    ).toBe(true);
    expect(h.host.serviceEvents).toEqual(['failed p']);
  });

  test('a launch that cannot be attempted fails the start', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.os.failLaunch('p', 'exec helper missing');
    h.start('p');
    expect(h.state('p')).toBe('stopped');
    expect(h.eventsOf('p')).toEqual(['failedstart', 'stopped']);
    expect(h.host.logged('exec helper missing')).toBe(true);
  });

  test('with readiness notification the service is started only when ready', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'pipevar', variable: 'READY_FD' } }),
    );
    h.start('p');
    expect(h.state('p')).toBe('starting');
    expect(h.os.running('p').spec.readiness).toEqual({ kind: 'pipevar', variable: 'READY_FD' });
    h.os.ready('p');
    expect(h.state('p')).toBe('started');
  });

  test('a process that exits before it is ready fails to start', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'pipefd', fd: 3 } }),
    );
    h.start('p');
    h.os.exit('p', 1);
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('failed');
    expect(h.eventsOf('p')).toEqual(['failedstart', 'stopped']);
  });

  test('closing the readiness pipe without notifying fails the start and stops the process', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'pipefd', fd: 3 } }),
    );
    h.start('p');
    h.os.readinessClosed('p');
    expect(h.eventsOf('p')).toEqual(['failedstart']);
    expect(h.state('p')).toBe('stopping');
    expect(h.os.running('p').signals).toEqual([{ signal: 15, target: 'group' }]);
    h.os.exit('p', signalled(15));
    expect(h.state('p')).toBe('stopped');
  });

  test('stop-command runs instead of the term signal', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', stopCommand: ['/bin/p-stop', 'now'] }),
    );
    h.start('p');
    const main = h.os.running('p');
    h.stop('p');
    expect(main.signals).toEqual([]);
    const stopper = h.os.launchesOf('p')[1];
    expect(stopper.spec.argv).toEqual(['/bin/p-stop', 'now']);
    h.os.exit(stopper, 2);
    expect(h.host.logged('Service p stop command terminated with exit code 2', 'error')).toBe(true);
    expect(h.state('p')).toBe('stopping');
    h.os.exit(main, 0);
    expect(h.state('p')).toBe('stopped');
  });

  test('the process exiting first leaves the service stopping until the stop command ends', () => {
    const h = new Harness().add(desc('p', { type: 'process', stopCommand: ['/bin/p-stop'] }));
    h.start('p');
    h.stop('p');
    const [main, stopper] = h.os.launchesOf('p');
    h.os.exit(main, 0);
    expect(h.state('p')).toBe('stopping');
    h.os.exit(stopper, 0);
    expect(h.state('p')).toBe('stopped');
    // Stopped means a new stop phase: the next stop runs the stop command again.
    h.start('p');
    h.stop('p');
    expect(h.os.launchesOf('p')[3].spec.argv).toEqual(['/bin/p-stop']);
  });

  test('a stop command that exits before its exec result is held until the result', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('p', { type: 'process', stopCommand: ['/bin/p-stop'] }),
    );
    h.start('p');
    h.os.execOk('p');
    h.stop('p');
    const [main, stopper] = h.os.launchesOf('p');
    h.os.exitBeforeExecResult(stopper, 3);
    h.os.exit(main, 0);
    expect(h.state('p')).toBe('stopping');
    expect(h.host.logs.filter((l) => l.level === 'error')).toEqual([]);
    h.os.execOk(stopper);
    expect(h.host.logged('Service p stop command terminated with exit code 3', 'error')).toBe(true);
    expect(h.state('p')).toBe('stopped');
  });

  test('a stop command that cannot exec falls back to the term signal', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('p', { type: 'process', stopCommand: ['/bin/p-stop'] }),
    );
    h.start('p');
    h.os.execOk('p');
    h.stop('p');
    const [main, stopper] = h.os.launchesOf('p');
    expect(main.signals).toEqual([]);
    h.os.execFail(stopper, ExecStage.DO_EXEC, 2, 'No such file or directory');
    expect(
      h.host.logged(
        'Service p: could not fork for stop command: executing command: No such file or directory',
        'error',
      ),
    ).toBe(true);
    expect(main.signals).toEqual([{ signal: 15, target: 'group' }]);
    expect(h.state('p')).toBe('stopping');
    h.os.exit(main, signalled(15));
    expect(h.state('p')).toBe('stopped');
  });

  test('stop-timeout expiry kills the stop command along with the process', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', stopCommand: ['/bin/p-stop'], stopTimeoutMs: 2000 }),
    );
    h.start('p');
    h.stop('p');
    const [main, stopper] = h.os.launchesOf('p');
    h.os.advance(2000);
    expect(main.signals).toEqual([{ signal: 9, target: 'group' }]);
    expect(stopper.signals).toEqual([{ signal: 9, target: 'group' }]);
    h.os.exit(stopper, signalled(9));
    expect(h.state('p')).toBe('stopping');
    h.os.exit(main, signalled(9));
    expect(h.state('p')).toBe('stopped');
  });

  test('a process exit while stopping is not logged as a failure', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.stop('p');
    h.os.exit('p', signalled(15));
    expect(h.host.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(h.host.serviceEvents).toEqual(['started p', 'stopped p']);
  });
});

describe('bgprocess', () => {
  test('the pid file is read when the launcher exits; started then', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.start('b');
    expect(h.state('b')).toBe('starting');
    h.os.setPidFile('/run/b.pid', 4242);
    h.os.exit('b', 0);
    expect(h.state('b')).toBe('started');
    expect(h.status('b').pid).toBe(4242);
    expect(h.os.isWatched(4242)).toBe(true);
    expect(h.os.unusedArrangements()).toEqual([]);
  });

  test('a bad pid file fails the start with the reason', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.start('b');
    h.os.setPidFile('/run/b.pid', { reason: 'pid read from pidfile (77) is not valid' });
    h.os.exit('b', 0);
    expect(h.state('b')).toBe('stopped');
    expect(h.status('b').stopReason).toBe('failed');
    expect(h.host.logged('b: pid read from pidfile (77) is not valid', 'error')).toBe(true);
  });

  test('a launcher exiting with failure fails the start without reading the pid file', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.start('b');
    h.os.exit('b', 1);
    expect(h.state('b')).toBe('stopped');
    expect(h.host.logged('Service b process terminated with exit code 1')).toBe(true);
  });

  test('stopping signals the daemon from the pid file and waits for it to go', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.start('b');
    h.os.setPidFile('/run/b.pid', 4242);
    h.os.exit('b', 0);
    h.stop('b');
    expect(h.os.pidSignals).toEqual([{ pid: 4242, signal: 15, target: 'group' }]);
    expect(h.state('b')).toBe('stopping');
    h.os.pidExit(4242);
    expect(h.state('b')).toBe('stopped');
  });

  test('the daemon dying is an unexpected termination (restart applies)', () => {
    const h = new Harness().add(
      desc('b', { type: 'bgprocess', pidFile: '/run/b.pid', restart: 'yes' }),
    );
    h.start('b');
    h.os.setPidFile('/run/b.pid', 4242);
    h.os.exit('b', 0);
    h.os.advance(1000);
    h.os.pidExit(4242, signalled(9));
    expect(h.os.launchesOf('b')).toHaveLength(2);
    expect(h.state('b')).toBe('starting');
  });

  test('a daemon that is already gone when the pid file is read: started, then terminated', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.start('b');
    h.os.setPidFile('/run/b.pid', 4242);
    h.os.setPidGone(4242, 3);
    h.os.exit('b', 0);
    expect(h.eventsOf('b')).toEqual(['started', 'stopped']);
    expect(h.status('b').stopReason).toBe('terminated');
    expect(h.host.logged('Service b process terminated with exit code 3')).toBe(true);
  });

  test('smooth recovery of a bgprocess re-reads the pid file', () => {
    const h = new Harness().add(
      desc('b', { type: 'bgprocess', pidFile: '/run/b.pid', smoothRecovery: true }),
    );
    h.start('b');
    h.os.setPidFile('/run/b.pid', 4242);
    h.os.exit('b', 0);
    h.os.advance(1000);
    h.os.pidExit(4242, 1);
    expect(h.os.launchesOf('b')).toHaveLength(2);
    h.os.setPidFile('/run/b.pid', 4343);
    h.os.exit('b', 0);
    expect(h.state('b')).toBe('started');
    expect(h.status('b').pid).toBe(4343);
  });
});

describe('scripted', () => {
  test('a zero exit of the command means started; the stop command runs on stop', () => {
    const h = new Harness().add(
      desc('s', { type: 'scripted', command: ['/bin/up'], stopCommand: ['/bin/down'] }),
    );
    h.start('s');
    expect(h.state('s')).toBe('starting');
    h.os.exit('s', 0);
    expect(h.state('s')).toBe('started');
    expect(h.status('s').pid).toBe(-1);
    h.stop('s');
    expect(h.os.running('s').spec.argv).toEqual(['/bin/down']);
    h.os.exit('s', 0);
    expect(h.state('s')).toBe('stopped');
  });

  test('a non-zero exit of the command fails the start', () => {
    const h = new Harness().add(desc('s', { type: 'scripted' }));
    h.start('s');
    h.os.exit('s', 4);
    expect(h.state('s')).toBe('stopped');
    expect(h.status('s').stopReason).toBe('failed');
    expect(h.host.logged('Service s command failed with exit code 4', 'error')).toBe(true);
  });

  test('a failing stop command is logged and the service counts as stopped', () => {
    const h = new Harness().add(desc('s', { type: 'scripted', stopCommand: ['/bin/down'] }));
    h.start('s');
    h.os.exit('s', 0);
    h.stop('s');
    h.os.exit('s', 1);
    expect(h.state('s')).toBe('stopped');
    expect(h.host.logged('Service s stop command failed with exit code 1', 'warn')).toBe(true);
  });

  test('without a stop command the service stops at once', () => {
    const h = new Harness().add(desc('s', { type: 'scripted' }));
    h.start('s');
    h.os.exit('s', 0);
    h.stop('s');
    expect(h.state('s')).toBe('stopped');
    expect(h.os.launchesOf('s')).toHaveLength(1);
  });
});

describe('triggered and internal', () => {
  test('a triggered service starts only once triggered', () => {
    const h = new Harness().add(desc('t', { type: 'triggered' }));
    h.start('t');
    expect(h.state('t')).toBe('starting');
    expect(h.set.setTrigger(h.ref('t'), true)).toBe('ok');
    expect(h.state('t')).toBe('started');
  });

  test('a trigger set in advance starts it at once', () => {
    const h = new Harness().add(desc('t', { type: 'triggered' }));
    h.set.setTrigger(h.ref('t'), true);
    h.start('t');
    expect(h.state('t')).toBe('started');
  });

  test('a triggered service waits for its dependencies even when triggered', () => {
    const h = new Harness().add(
      desc('t', { type: 'triggered', dependsOn: ['d'] }),
      desc('d', { type: 'process', readyNotification: { kind: 'pipefd', fd: 3 } }),
    );
    h.start('t');
    h.set.setTrigger(h.ref('t'), true);
    expect(h.state('t')).toBe('starting');
    h.os.ready('d');
    expect(h.state('t')).toBe('started');
  });

  test('untrigger leaves a started service running; its next start waits for a new trigger', () => {
    const h = new Harness().add(desc('t', { type: 'triggered' }));
    h.set.setTrigger(h.ref('t'), true);
    h.start('t');
    expect(h.set.setTrigger(h.ref('t'), false)).toBe('ok');
    expect(h.state('t')).toBe('started');
    h.stop('t');
    expect(h.state('t')).toBe('stopped');
    h.start('t');
    expect(h.state('t')).toBe('starting');
    h.set.setTrigger(h.ref('t'), true);
    expect(h.state('t')).toBe('started');
  });

  test('a starting triggered service can be stopped before its trigger', () => {
    const h = new Harness().add(desc('t', { type: 'triggered' }));
    h.start('t');
    // It stops at once, so the answer is "already stopped" (upstream's ALREADYSS).
    expect(h.stop('t')).toBe('already');
    expect(h.state('t')).toBe('stopped');
    expect(h.eventsOf('t')).toEqual(['startcancelled', 'stopped']);
  });

  test('setTrigger on another type is refused', () => {
    const h = new Harness().add(desc('i'));
    expect(h.set.setTrigger(h.ref('i'), true)).toBe('not-triggered');
  });
});

describe('process spec', () => {
  test('environment: global, then DINIT_SERVICE, then the service env', () => {
    const h = new Harness().add(
      desc('web@8080', {
        type: 'process',
        exportServiceName: true,
        env: { PORT: '8080', PATH: '/opt/bin' },
      }),
    );
    h.src.env = { PATH: '/usr/bin', LANG: 'C' };
    h.start('web@8080');
    expect(h.os.running('web@8080').spec.env).toEqual({
      PATH: '/opt/bin',
      LANG: 'C',
      DINIT_SERVICE: 'web',
      PORT: '8080',
    });
  });

  test('env-file !unset drops inherited variables; service values still apply', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        env: { PORT: '1' },
        envRules: { clear: false, unset: ['LANG', 'TERM'], import: [] },
      }),
    );
    h.src.env = { PATH: '/usr/bin', LANG: 'C', TERM: 'vt100' };
    h.start('p');
    expect(h.os.running('p').spec.env).toEqual({ PATH: '/usr/bin', PORT: '1' });
  });

  test('env-file !clear keeps only !import names, and drops DINIT_SERVICE', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        exportServiceName: true,
        env: { A: 'a' },
        envRules: { clear: true, unset: [], import: ['HOME', 'MISSING'] },
      }),
    );
    h.src.env = { PATH: '/usr/bin', HOME: '/root', LANG: 'C' };
    h.start('p');
    expect(h.os.running('p').spec.env).toEqual({ HOME: '/root', A: 'a' });
  });

  test('run-as by name sets uid, gid and initgroups', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', runAs: { user: 'www', uid: 33, gid: 33, byName: true } }),
    );
    h.start('p');
    const spec = h.os.running('p').spec;
    expect([spec.uid, spec.gid, spec.initgroupsUser, spec.clearSupplementaryGroups]).toEqual([
      33,
      33,
      'www',
      undefined,
    ]);
  });

  test('run-as by number keeps the gid and drops supplementary groups', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', runAs: { user: '1000', uid: 1000, byName: false } }),
    );
    h.start('p');
    const spec = h.os.running('p').spec;
    expect([spec.uid, spec.gid, spec.clearSupplementaryGroups]).toEqual([1000, undefined, true]);
  });

  test('limits, priorities and the working directory go into the spec', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        serviceDir: '/etc/dinit.d',
        rlimits: { nofile: { soft: 512, hard: 1024 } },
        nice: 5,
        oomScoreAdj: -100,
        runInCgroup: '/app',
        ioprio: { class: 'idle', level: 0 },
      }),
    );
    h.start('p');
    const spec = h.os.running('p').spec;
    expect(spec.workingDir).toBe('/etc/dinit.d');
    expect(spec.rlimits).toEqual({ nofile: { soft: 512, hard: 1024 } });
    expect([spec.nice, spec.oomScoreAdj, spec.cgroup, spec.ioprio]).toEqual([
      5,
      -100,
      '/app',
      { class: 'idle', level: 0 },
    ]);
    expect(spec.newSession).toBe(true);
  });

  test('log-type file gives a file output with its permissions', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        logType: 'file',
        logfile: '/var/log/p.log',
        logfilePermissions: 0o640,
      }),
    );
    h.start('p');
    expect(h.os.running('p').spec.output).toEqual({
      kind: 'file',
      path: '/var/log/p.log',
      permissions: 0o640,
      uid: undefined,
      gid: undefined,
    });
  });

  test('a console service inherits the console and ignores the logfile', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        logType: 'file',
        logfile: '/x.log',
        options: { runsOnConsole: true, startsOnConsole: true },
      }),
    );
    h.start('p');
    const spec = h.os.running('p').spec;
    expect(spec.output).toEqual({ kind: 'inherit' });
    expect(spec.onConsole).toBe(true);
    expect(spec.newSession).toBe(false);
  });

  test('console services queue for the console, one at a time', () => {
    const h = new Harness().add(
      desc('c1', { type: 'process', options: { runsOnConsole: true, startsOnConsole: true } }),
      desc('c2', { type: 'scripted', options: { startsOnConsole: true } }),
    );
    h.start('c1');
    h.start('c2');
    expect(h.status('c1').hasConsole).toBe(true);
    expect(h.status('c2').waitingForConsole).toBe(true);
    expect(h.os.launchesOf('c2')).toHaveLength(0);
    h.stop('c1');
    h.os.exit('c1', signalled(15));
    expect(h.status('c2').hasConsole).toBe(true);
    h.os.exit('c2', 0);
    // starts-on-console only: the console is released once started
    expect(h.state('c2')).toBe('started');
    expect(h.status('c2').hasConsole).toBe(false);
  });

  test('a process with inittab-id has a utmp entry while it runs, each relaunch its own', () => {
    const h = new Harness({ utmp: true }).add(
      desc('getty', { type: 'process', inittabId: 't1', inittabLine: 'tty1', restart: 'yes' }),
      desc('plain', { type: 'process' }),
    );
    h.start('getty');
    h.start('plain');
    const first = h.os.running('getty').pid;
    expect(h.os.utmp).toEqual([`started t1 tty1 ${first}`]);
    h.os.exit('getty', 1);
    h.os.advance(1000);
    const second = h.os.running('getty').pid;
    expect(second).not.toBe(first);
    expect(h.os.utmp).toEqual([
      `started t1 tty1 ${first}`,
      'ended t1 tty1',
      `started t1 tty1 ${second}`,
    ]);
    h.stop('getty');
    h.os.exit('getty', signalled(15));
    h.stop('plain');
    h.os.exit('plain', signalled(15));
    expect(h.os.utmp.slice(3)).toEqual(['ended t1 tty1']);
    expect(h.state('getty')).toBe('stopped');
  });

  test('starts-rwfs and starts-log tell the host once the service has started, not before', () => {
    const h = new Harness().add(
      desc('rw', { type: 'scripted', options: { startsRwfs: true } }),
      desc('syslogd', { type: 'process', dependsOn: ['rw'], options: { startsLog: true } }),
    );
    h.start('syslogd');
    expect(h.host.milestones).toEqual([]);
    h.os.exit('rw', 0);
    // rw reached STARTED first, then syslogd (a process service is started once launched).
    expect(h.state('syslogd')).toBe('started');
    expect(h.host.milestones).toEqual(['rwfs', 'log']);
    // The status line goes out first, so the log daemon receives it with the held messages.
    expect(h.host.serviceEvents).toEqual(['started rw', 'started syslogd']);
  });

  test('socket activation opens the socket once, passes it, and closes it when the service stops', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        restart: 'yes',
        socketListen: '/run/p.sock',
        socketPermissions: 0o600,
      }),
    );
    h.start('p');
    expect(h.os.sockets).toEqual([{ path: '/run/p.sock', permissions: 0o600, closed: false }]);
    expect(h.os.running('p').spec.activationSocket).toBeDefined();
    h.os.advance(1000);
    h.os.exit('p', 1);
    expect(h.os.sockets).toHaveLength(1);
    h.stop('p');
    h.os.exit('p', signalled(15));
    expect(h.os.sockets[0].closed).toBe(true);
  });
});

describe('consumer-of and log buffers', () => {
  test('producer and consumer share one pipe that outlives restarts of both', () => {
    const h = new Harness().add(
      desc('prod', { type: 'process', restart: 'yes', logType: 'pipe' }),
      desc('cons', { type: 'process', restart: 'yes', consumerOf: 'prod' }),
    );
    h.start('prod');
    h.start('cons');
    const out = h.os.running('prod').spec.output;
    const inp = h.os.running('cons').spec.stdin;
    expect(out.kind).toBe('pipe');
    expect(inp.kind).toBe('pipe');
    const id = out.kind === 'pipe' ? out.pipe.id : -1;
    expect(inp.kind === 'pipe' ? inp.pipe.id : -2).toBe(id);
    h.os.advance(1000);
    h.os.exit('prod', 1);
    h.os.exit('cons', 1);
    const out2 = h.os.running('prod').spec.output;
    const inp2 = h.os.running('cons').spec.stdin;
    expect(out2.kind === 'pipe' && out2.pipe.id).toBe(id);
    expect(inp2.kind === 'pipe' && inp2.pipe.id).toBe(id);
    expect(h.os.pipes).toEqual([{ id, closed: false }]);
  });

  test('unloading the producer moves the pipe to a placeholder; reloading takes it back', () => {
    const h = new Harness().add(
      desc('prod', { type: 'process', logType: 'pipe' }),
      desc('cons', { type: 'process', consumerOf: 'prod' }),
    );
    h.start('prod');
    h.start('cons');
    h.stop('prod');
    h.os.exit('prod', signalled(15));
    expect(h.set.unload(h.ref('prod'))).toBe('ok');
    expect(h.set.find('prod')).toBeUndefined();
    expect(h.os.pipes[0].closed).toBe(false);
    h.start('prod');
    const out = h.os.running('prod').spec.output;
    expect(out.kind === 'pipe' && out.pipe.id).toBe(h.os.pipes[0].id);
    expect(h.os.pipes).toHaveLength(1);
  });

  test('a consumer loaded before its producer links to a placeholder, replaced when it loads', () => {
    const h = new Harness().add(
      desc('prod', { type: 'process', logType: 'pipe' }),
      desc('cons', { type: 'process', consumerOf: 'prod' }),
    );
    h.start('cons');
    // The producer is not loaded: consumer-of does not load it.
    expect(h.src.loads.get('prod')).toBeUndefined();
    expect(h.set.find('prod')).toBeUndefined();
    const inp = h.os.running('cons').spec.stdin;
    expect(inp.kind).toBe('pipe');
    h.start('prod');
    const out = h.os.running('prod').spec.output;
    expect(out.kind === 'pipe' && out.pipe.id).toBe(inp.kind === 'pipe' && inp.pipe.id);
    expect(h.os.pipes).toHaveLength(1);
    expect(h.set.list().map((r) => r.name)).toEqual(['cons', 'prod']);
  });

  test('a consumer-of a non-pipe producer is refused', () => {
    const h = new Harness().add(
      desc('prod', { type: 'process' }),
      desc('cons', { type: 'process', consumerOf: 'prod' }),
    );
    h.set.load('prod');
    expect(() => h.set.load('cons')).toThrow(
      "the 'consumer-of' setting specifies a service that does not log via a pipe ('log-type = pipe')",
    );
  });

  test('log-type buffer: output beyond log-buffer-size is discarded; catlog --clear empties it', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', logType: 'buffer', logBufferSize: 8 }),
    );
    h.start('p');
    const out = h.os.running('p').spec.output;
    if (out.kind !== 'buffer') throw new Error('expected a buffer output');
    out.sink(Buffer.from('hello '));
    out.sink(Buffer.from('world'));
    expect(h.set.catlog(h.ref('p'), false).toString()).toBe('hello wo');
    out.sink(Buffer.from('more'));
    expect(h.set.catlog(h.ref('p'), true).toString()).toBe('hello wo');
    expect(h.set.catlog(h.ref('p'), false).toString()).toBe('');
  });

  test('catlog of a service without a buffer is refused', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    expect(h.set.catlog(h.ref('p'), false)).toBe('not-buffered');
  });

  test('the buffer notes a restart', () => {
    const b = new LogBuffer(100);
    b.noteRestart();
    expect(b.length).toBe(0);
    b.append(Buffer.from('line\n'));
    b.noteRestart();
    expect(b.contents().toString()).toBe('line\n(dinit: note: service restarted)\n');
  });
});

describe('fake OS', () => {
  test('reports arrangements that never happened and refuses unarranged pid files', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.os.setPidFile('/run/other.pid', 1);
    h.os.failLaunch('never', 'x');
    expect(h.os.unusedArrangements()).toEqual([
      'pid file /run/other.pid was never read',
      'launch of never never attempted',
    ]);
    h.start('b');
    expect(() => h.os.exit('b', 0)).toThrow('readPidFile(/run/b.pid) was not arranged');
  });
});
