// Resuming from an earlier manager's journal on the fake OS: marks and pins come back, running
// processes are adopted (same pid, nothing launched), a process gone meanwhile is launched anew,
// and a start that was under way goes on (a scripted command is awaited, a bgprocess launcher
// reads its pid file) or, for a process whose readiness can no longer be seen, starts again.

import type { ResumeEntry } from '../../../src/core/api';
import { exited, signalled } from '../../support/fake-os';
import { desc, Harness } from './helpers';

const SIGTERM = 15;

/** A journal entry with nothing set: stopped, unmarked, unpinned, no process. */
function entry(name: string, e: Partial<ResumeEntry> = {}): ResumeEntry {
  return {
    name,
    state: 'stopped',
    markedActive: false,
    pinnedStarted: false,
    pinnedStopped: false,
    pid: -1,
    ...e,
  };
}

/** A started, marked process service whose process `pid` still runs. */
function running(h: Harness, name: string, pid: number, e: Partial<ResumeEntry> = {}): ResumeEntry {
  h.os.setAdoptable(pid, `t${pid}`);
  return entry(name, { state: 'started', markedActive: true, pid, startTime: `t${pid}`, ...e });
}

describe('resuming from the journal', () => {
  test('marks and pins come back; dependencies are held, not marked', () => {
    const h = new Harness().add(
      desc('top', { dependsOn: ['mid'] }),
      desc('mid'),
      desc('held', {}),
      desc('off'),
    );
    const failed = h.set.resume([
      entry('top', { state: 'started', markedActive: true, pinnedStarted: true }),
      entry('mid', { state: 'started' }),
      entry('off', { pinnedStopped: true }),
    ]);
    expect(failed).toEqual([]);
    expect(h.status('top')).toMatchObject({ state: 'started', markedActive: true });
    expect(h.status('top').pinnedStarted).toBe(true);
    expect(h.status('mid')).toMatchObject({ state: 'started', markedActive: false });
    expect(h.status('off').pinnedStopped).toBe(true);
    // Pinned stopped: a start has no effect.
    h.start('off');
    expect(h.state('off')).toBe('stopped');
    expect(h.os.processes).toEqual([]);
  });

  test('a running process is adopted with its pid and nothing is launched', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.set.resume([running(h, 'p', 500)]);
    expect(h.status('p')).toMatchObject({ state: 'started', pid: 500 });
    expect(h.os.processes).toEqual([]);
    expect(h.os.adopted.map((a) => a.pid)).toEqual([500]);
    // Its later exit is seen like any other.
    h.os.pidExit(500, 1);
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').exitStatus).toEqual(exited(1));
  });

  test('a service whose process died meanwhile is launched anew', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.set.resume([entry('p', { state: 'started', markedActive: true, pid: 501, startTime: 'x' })]);
    expect(h.os.launchesOf('p')).toHaveLength(1);
    expect(h.state('p')).toBe('started');
    expect(h.status('p').pid).toBe(100);
  });

  test('a recycled pid (another start time) is not adopted', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.os.setAdoptable(502, 'someone else');
    h.set.resume([entry('p', { state: 'started', markedActive: true, pid: 502, startTime: 'x' })]);
    expect(h.os.launchesOf('p')).toHaveLength(1);
  });

  test('a service unknown to the new manager is reported and the others resume', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    expect(h.set.resume([entry('gone', { state: 'started' }), running(h, 'p', 503)])).toEqual([
      'gone',
    ]);
    expect(h.status('p').pid).toBe(503);
  });

  test('a process still awaiting readiness is stopped and launched again, then awaits readiness', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'pipefd', fd: 3 } }),
    );
    h.set.resume([running(h, 'p', 504, { state: 'starting' })]);
    expect(h.state('p')).toBe('starting');
    expect(h.os.pidSignals).toEqual([{ pid: 504, signal: SIGTERM, target: 'group' }]);
    expect(h.os.processes).toEqual([]);
    h.os.pidExit(504, signalled(SIGTERM));
    expect(h.os.launchesOf('p')).toHaveLength(1);
    expect(h.state('p')).toBe('starting');
    h.os.ready('p');
    expect(h.state('p')).toBe('started');
    expect(h.eventsOf('p')).toEqual(['started']);
  });

  test("a started sd_notify service's socket is bound again at its path, with its status and watchdog", () => {
    const h = new Harness().add(
      desc('p', {
        type: 'process',
        readyNotification: { kind: 'notify' },
        watchdogTimeoutMs: 3000,
        restart: 'no',
      }),
    );
    const at = '/run/dinit-notify.abc/0a1b2c3d4e5f';
    h.os.setSession(506, 506);
    h.set.resume([
      running(h, 'p', 506, { notify: { socket: at, status: 'serving', watchdogMs: 2000 } }),
    ]);
    expect(h.state('p')).toBe('started');
    expect(h.os.notifySockets.map((x) => x.path)).toEqual([at]);
    expect(h.set.notifyState(h.ref('p'))?.status).toBe('serving');
    const send = (text: string) =>
      h.os.notifySockets[0].onMessage({ data: Buffer.from(text), pid: 506 });
    send('STATUS=after the re-exec');
    expect(h.set.notifyState(h.ref('p'))?.status).toBe('after the re-exec');
    // The watchdog runs again, with the timeout the process had set (2 s, not the 3 s described).
    h.os.advance(1500);
    send('WATCHDOG=1');
    h.os.advance(1999);
    expect(h.os.pidSignals).toEqual([]);
    h.os.advance(1);
    expect(h.os.pidSignals).toEqual([{ pid: 506, signal: 6, target: 'group' }]);
    h.os.pidExit(506, signalled(6));
    expect(h.state('p')).toBe('stopped');
    expect(h.os.notifySockets[0].closed).toBe(true);
  });

  test('a started sd_notify service without a journaled socket runs on unheard', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'notify' } }),
    );
    h.set.resume([running(h, 'p', 507)]);
    expect(h.state('p')).toBe('started');
    expect(h.os.notifySockets).toEqual([]);
  });

  test('a process that was starting without readiness notification is taken back as started', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.set.resume([running(h, 'p', 505, { state: 'starting' })]);
    expect(h.state('p')).toBe('started');
    expect(h.os.pidSignals).toEqual([]);
  });

  test('a scripted command still running is awaited, not run again', () => {
    const h = new Harness().add(desc('s', { type: 'scripted' }));
    h.set.resume([running(h, 's', 506, { state: 'starting' })]);
    expect(h.state('s')).toBe('starting');
    h.os.pidExit(506, 0);
    expect(h.state('s')).toBe('started');
    expect(h.os.processes).toEqual([]);
  });

  test('a scripted command still running that then fails fails the start', () => {
    const h = new Harness().add(desc('s', { type: 'scripted' }));
    h.set.resume([running(h, 's', 507, { state: 'starting' })]);
    h.os.pidExit(507, 3);
    expect(h.state('s')).toBe('stopped');
    expect(h.eventsOf('s')).toEqual(['failedstart', 'stopped']);
  });

  test('a scripted service already started runs nothing; one whose command ended meanwhile runs it', () => {
    const h = new Harness().add(
      desc('done', { type: 'scripted' }),
      desc('lost', { type: 'scripted' }),
    );
    h.set.resume([
      entry('done', { state: 'started', markedActive: true }),
      entry('lost', { state: 'starting', markedActive: true, pid: 508, startTime: 'x' }),
    ]);
    expect(h.state('done')).toBe('started');
    expect(h.os.launchesOf('done')).toHaveLength(0);
    expect(h.os.launchesOf('lost')).toHaveLength(1);
  });

  test('a bgprocess launcher still running is awaited and its pid file read', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    h.set.resume([running(h, 'b', 509, { state: 'starting' })]);
    expect(h.state('b')).toBe('starting');
    h.os.setPidFile('/run/b.pid', 4242);
    h.os.pidExit(509, 0);
    expect(h.status('b')).toMatchObject({ state: 'started', pid: 4242 });
    expect(h.os.unusedArrangements()).toEqual([]);
  });
});
