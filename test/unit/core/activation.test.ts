// Activation model: a service runs while it is marked active or required by a running
// dependent; stop vs release, restart, pins, and starting a stopping service.

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';

describe('activation', () => {
  test('start marks the service active and starts its dependencies unmarked', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    expect(h.start('a')).toBe('already'); // internal services start at once
    expect(h.status('a').markedActive).toBe(true);
    expect(h.state('b')).toBe('started');
    expect(h.status('b').markedActive).toBe(false);
  });

  test('a started dependency with no mark and no active dependents stops by itself', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.start('a');
    h.release('a');
    expect(h.state('a')).toBe('stopped');
    expect(h.state('b')).toBe('stopped');
  });

  test('a soft dependency also keeps its dependency running', () => {
    const h = new Harness().add(desc('a', { waitsFor: ['b'] }), desc('b'));
    h.start('a');
    h.start('b');
    h.release('b');
    // still required by a through waits-for
    expect(h.state('b')).toBe('started');
    h.release('a');
    expect(h.state('b')).toBe('stopped');
  });

  test('wake starts a service for its active dependents without marking it', () => {
    const h = new Harness().add(desc('a', { waitsFor: ['b'] }), desc('b'));
    h.start('a');
    h.stop('b');
    expect(h.state('b')).toBe('stopped');
    expect(h.wake('b')).toBe('already');
    expect(h.state('b')).toBe('started');
    expect(h.status('b').markedActive).toBe(false);
  });

  test('wake fails when no active dependent exists', () => {
    const h = new Harness().add(desc('b'));
    expect(h.wake('b')).toBe('no-dependents');
    expect(h.state('b')).toBe('stopped');
  });

  test('a service that stops without restarting loses its mark', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    expect(h.status('p').markedActive).toBe(true);
    h.os.exit('p', 1);
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').markedActive).toBe(false);
  });

  test('stop fails with the list of hard dependents unless forced', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.start('a');
    const r = h.stop('b', { force: false });
    expect(r).toEqual({ dependents: [h.set.find('a')] });
    expect(h.state('b')).toBe('started');
    expect(h.stop('b', { force: true })).toBe('already');
    expect(h.state('a')).toBe('stopped');
    expect(h.state('b')).toBe('stopped');
  });

  test('stop does not count soft dependents', () => {
    const h = new Harness().add(desc('a', { waitsFor: ['b'] }), desc('b'));
    h.start('a');
    h.start('b');
    expect(h.stop('b', { force: false })).toBe('already');
    expect(h.state('a')).toBe('started');
  });

  test('stop suppresses auto-restart of the service and of dependents stopped with it', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', restart: 'yes', dependsOn: ['b'] }),
      desc('b', { type: 'process', restart: 'yes' }),
    );
    h.start('a');
    expect(h.state('a')).toBe('started');
    h.stop('b');
    expect(h.state('a')).toBe('stopping');
    h.os.exit('a', { kind: 'signalled', signal: 15, coreDumped: false });
    expect(h.state('b')).toBe('stopping');
    h.os.exit('b', { kind: 'signalled', signal: 15, coreDumped: false });
    expect(h.state('a')).toBe('stopped');
    expect(h.state('b')).toBe('stopped');
    h.os.advance(10_000);
    expect(h.os.launchesOf('a')).toHaveLength(1);
    expect(h.os.launchesOf('b')).toHaveLength(1);
  });

  test('release only clears the mark when a dependent still needs the service', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.start('a');
    h.start('b');
    expect(h.release('b')).toBe('ok');
    expect(h.state('b')).toBe('started');
    expect(h.status('b').markedActive).toBe(false);
  });

  test('restart never starts a stopped service', () => {
    const h = new Harness().add(desc('a'));
    h.ref('a');
    expect(h.restart('a')).toBe('not-started');
    expect(h.state('a')).toBe('stopped');
  });

  test('restart keeps the mark and restarts the process', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    const first = h.os.running('p');
    expect(h.restart('p')).toBe('ok');
    expect(first.signals).toEqual([{ signal: 15, target: 'group' }]);
    h.os.exit(first, { kind: 'signalled', signal: 15, coreDumped: false });
    expect(h.os.launchesOf('p')).toHaveLength(2);
    expect(h.state('p')).toBe('started');
    expect(h.status('p').markedActive).toBe(true);
  });

  test('restart of a service with hard dependents needs force, which restarts them too', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    expect(h.restart('b')).toEqual({ dependents: [h.set.find('a')] });
    expect(h.restart('b', true)).toBe('ok');
    expect(h.state('a')).toBe('stopping');
    h.os.exit('a', 0);
    h.os.exit('b', 0);
    expect(h.state('b')).toBe('started');
    expect(h.state('a')).toBe('started');
    expect(h.os.launchesOf('a')).toHaveLength(2);
    expect(h.status('a').markedActive).toBe(true);
  });

  test('pinned stopped: start has no effect', () => {
    const h = new Harness().add(desc('a'));
    h.set.stop(h.ref('a'), { pin: true, force: true });
    expect(h.start('a')).toBe('pinned-stopped');
    expect(h.state('a')).toBe('stopped');
    expect(h.status('a').markedActive).toBe(false);
  });

  test('pinned stopped: hard dependents cannot start', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.set.stop(h.ref('b'), { pin: true, force: true });
    h.start('a');
    expect(h.state('a')).toBe('stopped');
    expect(h.eventsOf('a')).toContain('failedstart');
    expect(h.status('a').stopReason).toBe('depfailed');
  });

  test('pinned started: cannot stop, but the mark can be removed; unpin then stops it', () => {
    const h = new Harness().add(desc('a'));
    h.start('a', true);
    expect(h.stop('a')).toBe('pinned-started');
    expect(h.release('a')).toBe('ok');
    expect(h.status('a').markedActive).toBe(false);
    expect(h.state('a')).toBe('started');
    h.set.unpin(h.ref('a'));
    expect(h.state('a')).toBe('stopped');
  });

  test('unpin does not stop a service that is still needed', () => {
    const h = new Harness().add(desc('a'));
    h.start('a', true);
    h.set.unpin(h.ref('a'));
    expect(h.state('a')).toBe('started');
  });

  test('pins never cause a transition', () => {
    const h = new Harness().add(desc('a'));
    h.set.stop(h.ref('a'), { pin: true, force: true });
    expect(h.state('a')).toBe('stopped');
    h.set.unpin(h.ref('a'));
    expect(h.state('a')).toBe('stopped');
  });

  test('a pinned-started service that fails to start loses its pin', () => {
    const h = new Harness({ execStatus: true }).add(desc('p', { type: 'process' }));
    h.set.start(h.ref('p'), { pin: true });
    expect(h.status('p').pinnedStarted).toBe(true);
    h.os.execFail('p');
    expect(h.state('p')).toBe('stopped');
    expect(h.status('p').pinnedStarted).toBe(false);
  });

  test('pinned started holds hard dependencies started', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.start('a', true);
    expect(h.stop('b')).toBe('pinned-started');
    h.release('a');
    expect(h.state('b')).toBe('started');
    h.set.unpin(h.ref('a'));
    expect(h.state('a')).toBe('stopped');
    expect(h.state('b')).toBe('stopped');
  });

  test('pin during a transition: start --pin of a stopping service pins it once started', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.stop('p');
    expect(h.state('p')).toBe('stopping');
    expect(h.start('p', true)).toBe('ok');
    expect(h.status('p').pinnedStarted).toBe(true);
    h.os.exit('p', 0);
    expect(h.state('p')).toBe('started');
    expect(h.stop('p')).toBe('pinned-started');
    expect(h.state('p')).toBe('started');
  });

  test('pin during a transition: stop --pin of a starting service stops it and keeps it down', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'pipefd', fd: 3 } }),
    );
    h.start('p');
    expect(h.state('p')).toBe('starting');
    expect(h.stop('p', { pin: true })).toBe('ok');
    expect(h.status('p').pinnedStopped).toBe(true);
    h.os.exit('p', signalled(15));
    expect(h.state('p')).toBe('stopped');
    expect(h.start('p')).toBe('pinned-stopped');
    expect(h.os.launchesOf('p')).toHaveLength(1);
    h.set.unpin(h.ref('p'));
    expect(h.start('p')).toBe('ok');
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('a start-pinned service that is still starting refuses stop', () => {
    const h = new Harness().add(
      desc('p', { type: 'process', readyNotification: { kind: 'pipefd', fd: 3 } }),
    );
    h.start('p', true);
    expect(h.state('p')).toBe('starting');
    expect(h.stop('p')).toBe('pinned-started');
    h.os.ready('p');
    expect(h.state('p')).toBe('started');
  });

  test('a stop-pinned service that is still stopping refuses start', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.stop('p', { pin: true, force: true });
    expect(h.state('p')).toBe('stopping');
    expect(h.start('p')).toBe('pinned-stopped');
    h.os.exit('p', 0);
    expect(h.state('p')).toBe('stopped');
  });

  test('start of a stopping service finishes the stop, then starts again', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.stop('p');
    expect(h.state('p')).toBe('stopping');
    h.start('p');
    expect(h.state('p')).toBe('stopping');
    expect(h.status('p').targetState).toBe('started');
    h.os.exit('p', 0);
    expect(h.state('p')).toBe('started');
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });

  test('a forced stop waiting for dependents is not cancelled by start; it restarts after', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.set.stop(h.ref('b'), { force: true });
    expect(h.state('b')).toBe('stopping');
    h.start('b');
    expect(h.state('b')).toBe('stopping');
    expect(h.os.running('b').signals).toEqual([]);
    h.os.exit('a', 0);
    expect(h.os.running('b').signals).toEqual([{ signal: 15, target: 'group' }]);
    h.os.exit('b', 0);
    expect(h.state('b')).toBe('started');
    expect(h.state('a')).toBe('stopped');
    expect(h.eventsOf('b')).not.toContain('stopcancelled');
  });

  test('start of a service waiting to stop for a non-forced reason cancels the stop', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', waitsFor: ['b'] }),
      desc('b', { type: 'process', dependsOn: ['c'] }),
      desc('c', { type: 'process' }),
    );
    h.start('b');
    h.start('c');
    h.release('c');
    // c is still required by b
    expect(h.state('c')).toBe('started');
    h.release('b');
    // b stops; c waits for b (its hard dependent) before stopping
    expect(h.state('b')).toBe('stopping');
    expect(h.state('c')).toBe('stopping');
    h.start('c');
    expect(h.eventsOf('c')).toContain('stopcancelled');
    expect(h.state('c')).toBe('started');
    // its process was never signalled, and is not launched twice
    expect(h.os.launchesOf('c')).toHaveLength(1);
    expect(h.os.running('c').signals).toEqual([]);
  });
});
