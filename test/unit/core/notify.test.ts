// sd_notify readiness on the fake OS: the socket named in NOTIFY_SOCKET, READY=1, STATUS=,
// MAINPID= (only from the service's own processes), STOPPING=1 and the watchdog
// (watchdog-timeout, WATCHDOG=1, WATCHDOG_USEC, WATCHDOG=trigger).

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';
import { parseNotifyMessage } from '../../../src/core/notify';
import type { ProcessService } from '../../../src/core/process-service';

const notifyDesc = (extra: Parameters<typeof desc>[1] = {}) =>
  desc('p', { type: 'process', readyNotification: { kind: 'notify' }, ...extra });

function notifierOf(h: Harness) {
  return (h.set.find('p') as unknown as ProcessService).notifier;
}

describe('sd_notify readiness', () => {
  test('the process gets NOTIFY_SOCKET, no readiness pipe, and starts only on READY=1', () => {
    const h = new Harness().add(notifyDesc());
    h.start('p');
    const p = h.os.running('p');
    expect(p.spec.readiness).toBeUndefined();
    expect(p.spec.env.NOTIFY_SOCKET).toBe(h.os.notifySockets[0].path);
    expect(p.spec.env.WATCHDOG_USEC).toBeUndefined();
    expect(h.state('p')).toBe('starting');
    h.os.notify('p', 'STATUS=loading\nREADY=1');
    expect(h.state('p')).toBe('started');
    expect(notifierOf(h)?.status).toBe('loading');
  });

  test('READY=0 and other assignments do not start it', () => {
    const h = new Harness().add(notifyDesc());
    h.start('p');
    h.os.notify('p', 'READY=0\nERRNO=2\nno equals sign\nBUSERROR=x');
    expect(h.state('p')).toBe('starting');
  });

  test('the socket belongs to the run-as user', () => {
    const h = new Harness().add(
      notifyDesc({ runAs: { user: 'www', uid: 33, gid: 34, byName: true } }),
    );
    h.start('p');
    expect(h.os.notifySockets[0].owner).toEqual({ uid: 33, gid: 34 });
  });

  test('without READY=1 the start times out', () => {
    const h = new Harness().add(notifyDesc({ startTimeoutMs: 5000 }));
    h.start('p');
    h.os.advance(5000);
    expect(h.state('p')).toBe('stopping');
    h.os.exit('p', signalled(2));
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('timedout');
  });

  test('READY=1 sent just before the exit is taken in before the exit', () => {
    const h = new Harness().add(notifyDesc({ restart: 'no' }));
    h.start('p');
    h.os.notify('p', 'READY=1', { queued: true });
    h.os.exit('p', 0);
    // Ready first, then an exit of a started service: not a failed start.
    expect(h.eventsOf('p')).toEqual(['started', 'stopped']);
    expect(h.status('p').stopReason).toBe('terminated');
  });

  test('READY=1 before the exec status arrives counts', () => {
    const h = new Harness({ execStatus: true }).add(notifyDesc());
    h.start('p');
    h.os.notify('p', 'READY=1');
    expect(h.state('p')).toBe('started');
  });

  test('each launch gets a new socket and the old one is closed', () => {
    const h = new Harness().add(notifyDesc({ restart: 'yes', restartDelayMs: 0 }));
    h.start('p');
    h.os.notify('p', 'READY=1\nSTATUS=first');
    h.os.exit('p', 1);
    expect(h.os.notifySockets.map((s) => s.closed)).toEqual([true, false]);
    expect(h.os.launchesOf('p')[1].spec.env.NOTIFY_SOCKET).toBe(h.os.notifySockets[1].path);
    expect(notifierOf(h)?.status).toBeUndefined();
    h.os.notify('p', 'READY=1');
    expect(h.state('p')).toBe('started');
  });

  test('the socket is closed once the service has stopped', () => {
    const h = new Harness().add(notifyDesc());
    h.start('p');
    h.os.notify('p', 'READY=1\nSTATUS=serving');
    h.stop('p');
    h.os.exit('p', signalled(15));
    expect(h.state('p')).toBe('stopped');
    expect(h.os.notifySockets[0].closed).toBe(true);
    // The last status stays for `why`.
    expect(notifierOf(h)?.status).toBe('serving');
  });

  test('without a notify socket on this system the start fails, saying why', () => {
    const h = new Harness().add(notifyDesc());
    (h.os as { openNotifySocket?: unknown }).openNotifySocket = undefined;
    h.start('p');
    expect(h.state('p')).toBe('stopped');
    expect(h.host.logged('ready-notification = notify is not supported on this system')).toBe(true);
  });

  test('parses assignments, keeping values with = and skipping lines without one', () => {
    expect(parseNotifyMessage(Buffer.from('READY=1\nSTATUS=a=b\n\nbad\n=x'))).toEqual([
      ['READY', '1'],
      ['STATUS', 'a=b'],
    ]);
  });
});

describe('MAINPID', () => {
  test('the main process hands supervision over to the pid it names', () => {
    const h = new Harness().add(notifyDesc({ restart: 'no' }));
    h.start('p');
    const launcher = h.os.running('p');
    h.os.notify('p', 'MAINPID=4242\nREADY=1');
    expect(h.state('p')).toBe('started');
    expect(h.status('p').pid).toBe(4242);
    expect(h.os.isWatched(4242)).toBe(true);
    // The launcher's exit no longer counts.
    h.os.exit(launcher, 0);
    expect(h.state('p')).toBe('started');
    // Stopping signals the new main process.
    h.stop('p');
    expect(h.os.pidSignals).toEqual([{ pid: 4242, signal: 15, target: 'group' }]);
    h.os.pidExit(4242, signalled(15));
    expect(h.state('p')).toBe('stopped');
  });

  test('an unexpected exit of the new main process restarts the service', () => {
    const h = new Harness().add(notifyDesc({ restart: 'yes', restartDelayMs: 0 }));
    h.start('p');
    h.os.notify('p', 'MAINPID=4242\nREADY=1');
    h.os.exit('p', 0);
    h.os.pidExit(4242, 1);
    expect(h.os.launchesOf('p')).toHaveLength(2);
    expect(h.state('p')).toBe('starting');
  });

  test('a process of the service session may name the main pid', () => {
    const h = new Harness().add(notifyDesc());
    h.start('p');
    const main = h.os.running('p').pid;
    h.os.setSession(777, main);
    h.os.notify('p', 'MAINPID=778', { pid: 777 });
    expect(h.status('p').pid).toBe(778);
  });

  test('MAINPID from a process outside the service is ignored', () => {
    const h = new Harness().add(notifyDesc());
    h.start('p');
    const main = h.os.running('p').pid;
    h.os.setSession(900, 900);
    h.os.notify('p', 'MAINPID=901', { pid: 900 });
    h.os.notify('p', 'MAINPID=902', { pid: null });
    expect(h.status('p').pid).toBe(main);
    expect(h.host.logged('ignoring MAINPID=901 from pid 900', 'warn')).toBe(true);
    expect(h.host.logged('ignoring MAINPID=902 from an unknown sender', 'warn')).toBe(true);
  });

  test('a named pid that is already gone ends the start as a failure', () => {
    const h = new Harness().add(notifyDesc());
    h.start('p');
    h.os.setPidGone(4242, 0);
    h.os.notify('p', 'MAINPID=4242');
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('failed');
  });
});

describe('watchdog', () => {
  const watched = (extra: Parameters<typeof desc>[1] = {}) =>
    notifyDesc({ watchdogTimeoutMs: 3000, ...extra });

  test('WATCHDOG_USEC is in the environment', () => {
    const h = new Harness().add(watched());
    h.start('p');
    expect(h.os.running('p').spec.env.WATCHDOG_USEC).toBe('3000000');
  });

  test('pings keep the service running', () => {
    const h = new Harness().add(watched());
    h.start('p');
    h.os.notify('p', 'READY=1');
    for (let i = 0; i < 5; i++) {
      h.os.advance(2000);
      h.os.notify('p', 'WATCHDOG=1');
    }
    expect(h.os.running('p').signals).toEqual([]);
    expect(h.state('p')).toBe('started');
  });

  test('no ping in time aborts the process and restarts it as a failure', () => {
    const h = new Harness().add(watched({ restart: 'on-failure', restartDelayMs: 0 }));
    h.start('p');
    h.os.notify('p', 'READY=1');
    h.os.advance(2999);
    expect(h.os.running('p').signals).toEqual([]);
    h.os.advance(1);
    expect(h.os.running('p').signals).toEqual([{ signal: 6, target: 'group' }]);
    expect(h.host.logged('missed its watchdog', 'warn')).toBe(true);
    // Even a clean exit after SIGABRT is a failure: on-failure restarts.
    h.os.exit('p', 0);
    expect(h.os.launchesOf('p')).toHaveLength(2);
    expect(h.state('p')).toBe('starting');
  });

  test('restart = no leaves a service whose watchdog fired stopped', () => {
    const h = new Harness().add(watched({ restart: 'no' }));
    h.start('p');
    h.os.notify('p', 'READY=1');
    h.os.advance(3000);
    h.os.exit('p', signalled(6));
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').stopReason).toBe('terminated');
  });

  test('a process that survives SIGABRT is killed after stop-timeout', () => {
    const h = new Harness().add(watched({ stopTimeoutMs: 4000 }));
    h.start('p');
    h.os.notify('p', 'READY=1');
    h.os.advance(3000);
    h.os.advance(4000);
    expect(h.os.running('p').signals).toEqual([
      { signal: 6, target: 'group' },
      { signal: 9, target: 'group' },
    ]);
  });

  test('the watchdog is armed only once the service is ready', () => {
    const h = new Harness().add(watched({ startTimeoutMs: 0 }));
    h.start('p');
    h.os.advance(10_000);
    expect(h.os.running('p').signals).toEqual([]);
    expect(h.state('p')).toBe('starting');
  });

  test('WATCHDOG=trigger fires it at once; WATCHDOG_USEC changes the timeout', () => {
    const h = new Harness().add(watched());
    h.start('p');
    h.os.notify('p', 'READY=1\nWATCHDOG_USEC=10000000');
    h.os.advance(9000);
    expect(h.os.running('p').signals).toEqual([]);
    h.os.notify('p', 'WATCHDOG=trigger');
    expect(h.os.running('p').signals).toEqual([{ signal: 6, target: 'group' }]);
  });

  test('STOPPING=1 and a stop disarm it', () => {
    const h = new Harness().add(watched());
    h.start('p');
    h.os.notify('p', 'READY=1\nSTOPPING=1');
    h.os.advance(10_000);
    expect(h.os.running('p').signals).toEqual([]);
    const h2 = new Harness().add(watched());
    h2.start('p');
    h2.os.notify('p', 'READY=1');
    h2.stop('p');
    h2.os.advance(3000);
    expect(h2.os.running('p').signals).toEqual([{ signal: 15, target: 'group' }]);
  });

  test('smooth recovery re-arms the watchdog when the new process is ready', () => {
    const h = new Harness().add(watched({ smoothRecovery: true, restartDelayMs: 0 }));
    h.start('p');
    h.os.notify('p', 'READY=1');
    h.os.exit('p', 1);
    expect(h.os.launchesOf('p')).toHaveLength(2);
    h.os.advance(5000);
    expect(h.os.running('p').signals).toEqual([]);
    h.os.notify('p', 'READY=1');
    h.os.advance(3000);
    expect(h.os.running('p').signals).toEqual([{ signal: 6, target: 'group' }]);
  });
});
