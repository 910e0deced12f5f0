// Supervision: restart policy and limits (too many restarts within the interval stop the
// service), restart-delay, smooth recovery, start/stop timeouts, interrupting startup,
// skippable, chain-to and the signal options.

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';

describe('restart policy', () => {
  test('restarts a process service after an unexpected exit', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'yes' }));
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', 0);
    expect(h.os.launchesOf('p')).toHaveLength(2);
    expect(h.state('p')).toBe('started');
    expect(h.status('p').markedActive).toBe(true);
  });

  test('restart = no leaves the service stopped after an exit', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'no' }));
    h.start('p');
    h.os.exit('p', 3);
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('terminated');
    expect(h.status('p').exitStatus).toEqual({ kind: 'exited', code: 3 });
    expect(h.host.logged('Service p process terminated with exit code 3', 'error')).toBe(true);
  });

  test('on-failure restarts after a non-zero exit', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'on-failure' }));
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('on-failure does not restart after a clean exit', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'on-failure' }));
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', 0);
    expect(h.os.launchesOf('p')).toHaveLength(1);
    expect(h.state('p')).toBe('stopped');
  });

  test.each([1, 2, 10, 12, 15])('on-failure does not restart after signal %i', (sig) => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'on-failure' }));
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', signalled(sig));
    expect(h.os.launchesOf('p')).toHaveLength(1);
    expect(h.host.logged(`Service p terminated due to signal ${sig}`)).toBe(true);
  });

  test('on-failure reads the deliberate signals from the Os signal table (BSD numbers)', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'on-failure' }));
    h.os.signalNumbers = { USR1: 30, USR2: 31 };
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', signalled(30)); // SIGUSR1 on FreeBSD and macOS: deliberate
    expect(h.os.launchesOf('p')).toHaveLength(1);
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', signalled(10)); // SIGBUS there: a failure
    expect(h.os.launchesOf('p')).toHaveLength(3);
  });

  test('on-failure restarts after other signals', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'on-failure' }));
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', signalled(11));
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('on-failure equals no for scripted services', () => {
    const h = new Harness().add(
      desc('d', { type: 'process', restart: 'yes' }),
      desc('sy', { type: 'scripted', restart: 'yes', dependsOn: ['d'] }),
      desc('sf', { type: 'scripted', restart: 'on-failure', dependsOn: ['d'] }),
    );
    h.start('sy');
    h.start('sf');
    h.os.exit('sy', 0);
    h.os.exit('sf', 0);
    h.os.advance(1000);
    h.os.exit('d', 1);
    // both scripts are brought down (no stop command); d restarts; only sy follows it
    expect(h.state('d')).toBe('started');
    expect(h.os.launchesOf('sy')).toHaveLength(2);
    expect(h.os.launchesOf('sf')).toHaveLength(1);
    expect(h.state('sf')).toBe('stopped');
  });

  test('restart also covers a stop caused by a dependency stopping', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { type: 'process', restart: 'yes', dependsOn: ['b'] }),
      desc('b', { type: 'process', restart: 'yes' }),
    );
    h.start('a');
    h.os.execOk('b');
    h.os.execOk('a');
    h.os.advance(1000);
    h.os.exit('b', signalled(9));
    expect(h.state('a')).toBe('stopping');
    expect(h.os.launchesOf('b')).toHaveLength(2);
    h.os.exit('a', signalled(15));
    // b's relaunch completes while it is still force-stopped: it goes down again, taking the
    // restarting a with it, then both come back.
    h.os.execOk('b');
    h.os.exit('b', signalled(15));
    h.os.advance(200); // restart-delay from b's previous start
    h.os.execOk('b');
    h.os.execOk('a');
    expect(h.state('b')).toBe('started');
    expect(h.state('a')).toBe('started');
    expect(h.os.launchesOf('a')).toHaveLength(2);
    expect(h.os.launchesOf('b')).toHaveLength(3);
    // the sequence upstream 0.22 logs for this case
    expect(h.host.serviceEvents).toEqual([
      'started b',
      'started a',
      'stopped a',
      'started b',
      'stopped a',
      'stopped b',
      'started b',
      'started a',
    ]);
  });
});

describe('restart limits', () => {
  test('stops with "restarting too quickly" after restart-limit-count restarts in the interval', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'yes' }));
    h.start('p');
    for (let i = 0; i < 3; i++) {
      h.os.advance(300);
      h.os.exit('p', 1);
      expect(h.state('p')).toBe('started');
    }
    h.os.advance(300);
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(4);
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').targetState).toBe('stopped');
    expect(h.host.logged('Service p restarting too quickly; stopping.', 'error')).toBe(true);
  });

  test('restart windows are fixed: a new one begins at the first restart after expiry', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'yes' }));
    h.start('p'); // window 1 starts now (t=0)
    h.os.advance(9000);
    h.os.exit('p', 1); // restart 1 (t=9000)
    h.os.advance(500);
    h.os.exit('p', 1); // restart 2 (t=9500)
    h.os.advance(1000);
    h.os.exit('p', 1); // t=10500: window 1 expired -> window 2 starts, count 1
    h.os.advance(300);
    h.os.exit('p', 1); // count 2
    h.os.advance(300);
    h.os.exit('p', 1); // count 3
    expect(h.state('p')).toBe('started');
    h.os.advance(300);
    h.os.exit('p', 1); // 4th within window 2
    expect(h.state('p')).toBe('stopped');
  });

  test('an explicit start resets the restart counter', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'yes' }));
    h.start('p');
    for (let i = 0; i < 3; i++) {
      h.os.advance(300);
      h.os.exit('p', 1);
    }
    h.stop('p');
    h.os.exit('p', signalled(15));
    h.start('p');
    h.os.advance(300);
    h.os.exit('p', 1);
    expect(h.state('p')).toBe('started');
  });

  test('restart-delay counts from the previous start, not from the exit', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', restart: 'yes', restartDelayMs: 1000 }),
    );
    h.start('p');
    h.os.advance(700);
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(1);
    h.os.advance(299);
    expect(h.os.launchesOf('p')).toHaveLength(1);
    h.os.advance(1);
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('no restart delay when the previous start is long past', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', restart: 'yes', restartDelayMs: 1000 }),
    );
    h.start('p');
    h.os.advance(5000);
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('a stop while waiting for the restart delay cancels the restart', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', restart: 'yes', restartDelayMs: 1000 }),
    );
    h.start('p');
    h.os.exit('p', 1);
    expect(h.state('p')).toBe('starting');
    h.stop('p');
    expect(h.state('p')).toBe('stopped');
    h.os.advance(5000);
    expect(h.os.launchesOf('p')).toHaveLength(1);
  });
});

describe('smooth recovery', () => {
  test('the process restarts while the service stays started and dependents keep running', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['p'] }),
      desc('p', { type: 'process', restart: 'yes', smoothRecovery: true }),
    );
    h.start('a');
    h.os.advance(1000);
    h.os.exit('p', 1);
    expect(h.state('p')).toBe('started');
    expect(h.os.launchesOf('p')).toHaveLength(2);
    expect(h.state('a')).toBe('started');
    expect(h.os.launchesOf('a')).toHaveLength(1);
    expect(h.eventsOf('p')).toEqual(['started']);
  });

  test('smooth recovery still applies the restart limits', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', restart: 'yes', smoothRecovery: true }),
    );
    h.start('p');
    for (let i = 0; i < 3; i++) {
      h.os.advance(300);
      h.os.exit('p', 1);
      expect(h.state('p')).toBe('started');
    }
    h.os.advance(300);
    h.os.exit('p', 1);
    expect(h.state('p')).toBe('stopped');
    expect(h.host.logged('restarting too quickly')).toBe(true);
  });

  test('smooth recovery waits for the restart delay from the previous start', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', smoothRecovery: true, restartDelayMs: 500 }),
    );
    h.start('p');
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(1);
    expect(h.status('p').pid).toBe(-1);
    h.os.advance(500);
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('smooth recovery awaits readiness again: start-timeout applies until it arrives', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        smoothRecovery: true,
        startTimeoutMs: 2000,
        readyNotification: { kind: 'pipefd', fd: 3 },
      }),
    );
    h.start('p');
    h.os.ready('p');
    expect(h.state('p')).toBe('started');
    h.os.advance(1000);
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(2);
    h.os.advance(2000);
    expect(h.os.running('p').signals).toEqual([{ signal: 2, target: 'group' }]);
    h.os.exit('p', signalled(2));
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('timedout');
  });

  test('smooth recovery: readiness of the new process completes the recovery', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        smoothRecovery: true,
        startTimeoutMs: 2000,
        readyNotification: { kind: 'pipefd', fd: 3 },
      }),
    );
    h.start('p');
    h.os.ready('p');
    h.os.advance(1000);
    h.os.exit('p', 1);
    h.os.ready('p');
    h.os.advance(5000);
    expect(h.state('p')).toBe('started');
    expect(h.os.running('p').signals).toEqual([]);
  });
});

describe('timeouts', () => {
  test('start-timeout sends SIGINT and counts as a failure', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        startTimeoutMs: 1000,
        readyNotification: { kind: 'pipefd', fd: 3 },
      }),
    );
    h.start('p');
    h.os.advance(1000);
    expect(h.os.running('p').signals).toEqual([{ signal: 2, target: 'group' }]);
    expect(h.state('p')).toBe('stopping');
    expect(h.eventsOf('p')).toEqual(['failedstart']);
    expect(
      h.host.logged('Service p with pid 100 exceeded allowed start time; cancelling.', 'warn'),
    ).toBe(true);
    h.os.exit('p', signalled(2));
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('timedout');
    expect(h.eventsOf('p')).toEqual(['failedstart', 'stopped']);
  });

  test('start-timeout 0 means no limit', () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        startTimeoutMs: 0,
        readyNotification: { kind: 'pipefd', fd: 3 },
      }),
    );
    h.start('p');
    h.os.advance(10_000_000);
    expect(h.state('p')).toBe('starting');
    expect(h.os.pendingTimers).toBe(0);
  });

  test('stop-timeout expiry sends SIGKILL to the process group', () => {
    const h = new Harness().add(desc('p', { type: 'process', stopTimeoutMs: 2000 }));
    h.start('p');
    h.stop('p');
    h.os.advance(2000);
    expect(h.os.running('p').signals).toEqual([
      { signal: 15, target: 'group' },
      { signal: 9, target: 'group' },
    ]);
    expect(h.host.logged('Service p with pid 100 exceeded allowed stop time; killing.')).toBe(true);
    h.os.exit('p', signalled(9));
    expect(h.state('p')).toBe('stopped');
  });

  test('stop-timeout 0 means no SIGKILL', () => {
    const h = new Harness().add(desc('p', { type: 'process', stopTimeoutMs: 0 }));
    h.start('p');
    h.stop('p');
    h.os.advance(10_000_000);
    expect(h.os.running('p').signals).toEqual([{ signal: 15, target: 'group' }]);
  });

  test('term-signal replaces SIGTERM', () => {
    const h = new Harness().add(desc('p', { type: 'process', termSignal: 1 }));
    h.start('p');
    h.stop('p');
    expect(h.os.running('p').signals).toEqual([{ signal: 1, target: 'group' }]);
  });

  test('signal-process-only signals the process, not its group', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', options: { signalProcessOnly: true } }),
    );
    h.start('p');
    h.stop('p');
    expect(h.os.running('p').signals).toEqual([{ signal: 15, target: 'process' }]);
  });
});

describe('interrupting startup', () => {
  test('without start-interruptible a scripted start finishes before the stop', () => {
    const h = new Harness().add(desc('s', { type: 'scripted', stopCommand: ['/bin/s-stop'] }));
    h.start('s');
    h.stop('s');
    expect(h.state('s')).toBe('starting');
    expect(h.os.running('s').signals).toEqual([]);
    h.os.exit('s', 0);
    // started, then stopped at once: the stop command runs
    expect(h.eventsOf('s')).toEqual(['started']);
    expect(h.state('s')).toBe('stopping');
    expect(h.os.running('s').spec.argv).toEqual(['/bin/s-stop']);
    h.os.exit('s', 0);
    expect(h.state('s')).toBe('stopped');
  });

  test('with start-interruptible a starting bgprocess is interrupted with SIGINT', () => {
    const h = new Harness().add(
      desc('b', {
        type: 'bgprocess',
        pidFile: '/run/b.pid',
        options: { startInterruptible: true },
      }),
    );
    h.start('b');
    h.stop('b');
    expect(h.os.running('b').signals).toEqual([{ signal: 2, target: 'group' }]);
    expect(h.state('b')).toBe('stopping');
    expect(h.eventsOf('b')).toEqual(['startcancelled']);
    h.os.exit('b', signalled(2));
    expect(h.state('b')).toBe('stopped');
  });

  test('skippable: a scripted start ending by SIGINT counts as started', () => {
    const h = new Harness().add(desc('s', { type: 'scripted', options: { skippable: true } }));
    h.start('s');
    h.os.exit('s', signalled(2));
    expect(h.state('s')).toBe('started');
    expect(h.status('s').startSkipped).toBe(true);
  });

  test('skippable does not apply when Dinit sent the interrupt', () => {
    const h = new Harness().add(
      desc('s', { type: 'scripted', startTimeoutMs: 1000, options: { skippable: true } }),
    );
    h.start('s');
    h.os.advance(1000);
    expect(h.os.running('s').signals).toEqual([{ signal: 2, target: 'group' }]);
    h.os.exit('s', signalled(2));
    expect(h.state('s')).toBe('stopped');
    expect(h.status('s').startSkipped).toBe(false);
    expect(h.status('s').stopReason).toBe('timedout');
  });

  test('without skippable a scripted start ending by SIGINT fails', () => {
    const h = new Harness().add(desc('s', { type: 'scripted' }));
    h.start('s');
    h.os.exit('s', signalled(2));
    expect(h.state('s')).toBe('stopped');
    expect(h.host.logged('Service s command terminated due to signal 2')).toBe(true);
  });
});

describe('chain-to', () => {
  test('chain-to starts the target after a clean self-initiated exit, loading it only then', () => {
    const h = new Harness().add(desc('p', { type: 'process', chainTo: 'next' }), desc('next'));
    h.start('p');
    expect(h.src.loads.get('next')).toBeUndefined();
    h.os.exit('p', 0);
    expect(h.state('next')).toBe('started');
  });

  test('chain-to does not fire after an explicit stop', () => {
    const h = new Harness().add(desc('p', { type: 'process', chainTo: 'next' }), desc('next'));
    h.start('p');
    h.stop('p');
    h.os.exit('p', 0);
    expect(h.set.find('next')).toBeUndefined();
  });

  test('chain-to does not fire after a failure status', () => {
    const h = new Harness().add(desc('p', { type: 'process', chainTo: 'next' }), desc('next'));
    h.start('p');
    h.os.exit('p', 1);
    expect(h.set.find('next')).toBeUndefined();
  });

  test('chain-to does not fire when the service restarts', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', restart: 'yes', chainTo: 'next' }),
      desc('next'),
    );
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', 0);
    expect(h.set.find('next')).toBeUndefined();
  });

  test('chain-to does not fire after a dependency stop', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', chainTo: 'next', dependsOn: ['d'] }),
      desc('d'),
      desc('next'),
    );
    h.start('p');
    h.stop('d');
    h.os.exit('p', 0);
    expect(h.set.find('next')).toBeUndefined();
  });

  test('always-chain fires even after an explicit stop', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', chainTo: 'next', options: { alwaysChain: true } }),
      desc('next'),
    );
    h.start('p');
    h.stop('p');
    h.os.exit('p', signalled(15));
    expect(h.state('next')).toBe('started');
  });

  test('chain-to does not fire during shutdown', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', chainTo: 'next', options: { alwaysChain: true } }),
      desc('next'),
    );
    h.start('p');
    h.set.shutdown('halt');
    h.os.exit('p', 0);
    expect(h.set.find('next')).toBeUndefined();
  });

  test('chain-to logs a target that cannot be loaded', () => {
    const h = new Harness().add(desc('p', { type: 'process', chainTo: 'missing' }));
    h.start('p');
    h.os.exit('p', 0);
    expect(
      h.host.logged(
        "Couldn't chain to service missing: couldn't load missing: service description not found.",
      ),
    ).toBe(true);
  });
});

describe('kill-all-on-stop', () => {
  test('kills the cgroup when one is set and the adapter can', () => {
    const h = new Harness({ killCgroup: true }).add(
      desc('s', { type: 'scripted', runInCgroup: '/svc', options: { killAllOnStop: true } }),
    );
    h.start('s');
    h.os.exit('s', 0);
    h.stop('s');
    expect(h.os.cgroupKills).toEqual(['/svc']);
    expect(h.state('s')).toBe('stopped');
  });

  test('otherwise sends TERM then KILL to all processes', () => {
    const h = new Harness().add(desc('i', { options: { killAllOnStop: true } }));
    h.start('i');
    h.stop('i');
    expect(h.os.pidSignals).toEqual([{ pid: -1, signal: 15, target: 'process' }]);
    expect(h.state('i')).toBe('stopping');
    h.os.advance(1000);
    expect(h.os.pidSignals[1]).toEqual({ pid: -1, signal: 9, target: 'process' });
    expect(h.state('i')).toBe('stopped');
  });
});
