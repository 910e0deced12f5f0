// Dependency relationships: depends-on, depends-ms, waits-for, prepared-by, before/after;
// dependents stop before their dependencies, the soft-dependency quirk, runtime edits.

import { desc, Harness } from './helpers';

const TERM = { kind: 'signalled' as const, signal: 15, coreDumped: false };

describe('dependency types', () => {
  test('depends-on: the dependent stops when the dependency stops', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b', { type: 'process' }));
    h.start('a');
    expect(h.state('a')).toBe('started');
    h.os.exit('b', 1);
    expect(h.state('a')).toBe('stopped');
    expect(h.eventsOf('a')).toEqual(['started', 'stopped']);
  });

  test('depends-on: the dependent fails to start when the dependency fails', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    expect(h.state('a')).toBe('starting');
    h.os.execFail('b');
    expect(h.state('a')).toBe('stopped');
    expect(h.eventsOf('a')).toEqual(['failedstart', 'stopped']);
    expect(h.status('a').stopReason).toBe('depfailed');
    expect(h.host.serviceEvents).toContain('failed a (dep)');
  });

  test('depends-ms: must start successfully, then becomes soft', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { dependsMs: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.os.execOk('b');
    expect(h.state('a')).toBe('started');
    h.os.exit('b', 1);
    expect(h.state('b')).toBe('stopped');
    expect(h.state('a')).toBe('started');
  });

  test('depends-ms: a failed start fails the dependent', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { dependsMs: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.os.execFail('b');
    expect(h.state('a')).toBe('stopped');
    expect(h.eventsOf('a')).toContain('failedstart');
  });

  test('waits-for: waits for the start, or the failure, of the dependency', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { waitsFor: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    expect(h.state('a')).toBe('starting');
    h.os.execFail('b');
    expect(h.state('a')).toBe('started');
    expect(h.state('b')).toBe('stopped');
  });

  test('waits-for: the dependent keeps running when the dependency stops', () => {
    const h = new Harness().add(desc('a', { waitsFor: ['b'] }), desc('b', { type: 'process' }));
    h.start('a');
    h.os.exit('b', 0);
    expect(h.state('a')).toBe('started');
  });

  test('prepared-by: the dependency restarts when the dependent restarts', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', restart: 'yes', preparedBy: ['prep'] }),
      desc('prep', { type: 'scripted' }),
    );
    h.start('a');
    h.os.exit('prep', 0);
    expect(h.state('a')).toBe('started');
    h.os.exit('a', 1);
    // prep is brought down (no stop command) and started again before a relaunches
    expect(h.os.launchesOf('prep')).toHaveLength(2);
    expect(h.state('a')).toBe('starting');
    h.os.exit('prep', 0);
    h.os.advance(200);
    expect(h.os.launchesOf('a')).toHaveLength(2);
    expect(h.state('a')).toBe('started');
  });

  test('prepared-by: not restarted during smooth recovery', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', restart: 'yes', smoothRecovery: true, preparedBy: ['prep'] }),
      desc('prep', { type: 'scripted' }),
    );
    h.start('a');
    h.os.exit('prep', 0);
    h.os.exit('a', 1);
    h.os.advance(200);
    expect(h.os.launchesOf('a')).toHaveLength(2);
    expect(h.os.launchesOf('prep')).toHaveLength(1);
    expect(h.state('a')).toBe('started');
  });
});

describe('ordering', () => {
  test('after: waits for the named service only when both are starting', () => {
    const h = new Harness().add(desc('a', { after: ['b'] }), desc('b', { type: 'process' }));
    h.set.load('b');
    h.start('a');
    // b is not starting, so a does not wait
    expect(h.state('a')).toBe('started');
    h.stop('a');
    h.start('b');
    h.start('a');
    expect(h.state('b')).toBe('started');
  });

  test('after: orders the start when both start together', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('top', { waitsFor: ['a', 'b'] }),
      desc('a', { after: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('top');
    expect(h.state('b')).toBe('starting');
    expect(h.state('a')).toBe('starting');
    h.os.execOk('b');
    expect(h.state('a')).toBe('started');
  });

  test('before: the named service waits for this one', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('top', { waitsFor: ['a', 'b'] }),
      desc('b', { type: 'process', before: ['a'] }),
      desc('a'),
    );
    h.start('top');
    expect(h.state('a')).toBe('starting');
    h.os.execOk('b');
    expect(h.state('a')).toBe('started');
  });

  test('quirk: a service started while an "after" dependent runs is held by that dependent', () => {
    // Upstream 0.22 behaves so (checked against its binary): release does not stop b here.
    const h = new Harness().add(desc('a', { after: ['b'] }), desc('b'));
    h.start('a');
    h.start('b');
    expect(h.release('b')).toBe('ok');
    expect(h.state('b')).toBe('started');
    h.release('a');
    expect(h.state('b')).toBe('stopped');
  });

  test('after does not load the named service', () => {
    const h = new Harness().add(desc('a', { after: ['ghost'] }));
    h.start('a');
    expect(h.state('a')).toBe('started');
    expect(h.src.loads.get('ghost')).toBeUndefined();
    expect(h.set.find('ghost')).toBeUndefined();
  });

  test('before/after do not order stops', () => {
    const h = new Harness().add(
      desc('top', { waitsFor: ['a', 'b'] }),
      desc('a', { type: 'process', after: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('top');
    expect(h.state('a')).toBe('started');
    h.release('top');
    // both signalled at once: b does not wait for a
    expect(h.os.running('a').signals).toHaveLength(1);
    expect(h.os.running('b').signals).toHaveLength(1);
  });
});

describe('stop ordering', () => {
  test('a process is not signalled until its dependents have fully stopped', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.stop('b');
    expect(h.os.running('a').signals).toHaveLength(1);
    expect(h.os.running('b').signals).toHaveLength(0);
    h.os.exit('a', TERM);
    expect(h.os.running('b').signals).toEqual([{ signal: 15, target: 'group' }]);
  });

  test('stop-timeout runs from when the process is signalled', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process', stopTimeoutMs: 1000 }),
    );
    h.start('a');
    h.stop('b');
    h.os.advance(5000);
    expect(h.os.running('b').signals).toHaveLength(0);
    h.os.exit('a', TERM);
    h.os.advance(999);
    expect(h.os.running('b').signals).toHaveLength(1);
    h.os.advance(1);
    expect(h.os.running('b').signals).toEqual([
      { signal: 15, target: 'group' },
      { signal: 9, target: 'group' },
    ]);
  });

  test('start-timeout runs from when all dependencies are satisfied', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { type: 'process', dependsOn: ['b'], startTimeoutMs: 1000 }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.os.advance(5000);
    expect(h.os.launchesOf('a')).toHaveLength(0);
    h.os.execOk('b');
    expect(h.os.launchesOf('a')).toHaveLength(1);
    h.os.advance(999);
    expect(h.os.running('a').signals).toHaveLength(0);
    h.os.advance(1);
    expect(h.os.running('a').signals).toEqual([{ signal: 2, target: 'group' }]);
  });
});

describe('soft-dependency quirk', () => {
  test('a soft dependency stays running after its puller stops if another active service has it as a soft dependency', () => {
    const h = new Harness().add(
      desc('x', { waitsFor: ['s'] }),
      desc('y', { waitsFor: ['s'] }),
      desc('s'),
    );
    h.start('x');
    h.start('y');
    h.release('x');
    expect(h.state('s')).toBe('started');
    h.release('y');
    expect(h.state('s')).toBe('stopped');
  });

  test('a stopped soft dependency is re-attached to running dependents when it starts', () => {
    const h = new Harness().add(
      desc('x', { waitsFor: ['s'] }),
      desc('y', { waitsFor: ['s'] }),
      desc('s'),
    );
    h.start('x');
    h.stop('s');
    expect(h.state('s')).toBe('stopped');
    // y pulls s in again: x (running) re-attaches, so s survives y stopping.
    h.start('y');
    h.release('y');
    expect(h.state('s')).toBe('started');
  });
});

describe('runtime dependency edits', () => {
  test('add-dep need refuses inconsistent states', () => {
    const h = new Harness().add(desc('a'), desc('b'));
    h.start('a');
    h.set.load('b');
    expect(h.set.addDep(h.ref('a'), h.ref('b'), 'regular')).toEqual({ error: expect.any(String) });
    h.start('b');
    expect(h.set.addDep(h.ref('a'), h.ref('b'), 'regular')).toBe('ok');
    // now b is held by a
    h.release('b');
    expect(h.state('b')).toBe('started');
  });

  test('add-dep refuses a cycle', () => {
    const h = new Harness().add(
      desc('a', { dependsOn: ['b'] }),
      desc('b', { dependsOn: ['c'] }),
      desc('c'),
    );
    h.set.load('a');
    expect(h.set.addDep(h.ref('c'), h.ref('a'), 'waits-for')).toEqual({
      error: expect.any(String),
    });
    expect(h.set.addDep(h.ref('a'), h.ref('a'), 'waits-for')).toBe('bad-request');
  });

  test('add-dep accepts only need, milestone and waits-for', () => {
    const h = new Harness().add(desc('a'), desc('b'));
    expect(h.set.addDep(h.ref('a'), h.ref('b'), 'before')).toBe('bad-request');
    expect(h.set.addDep(h.ref('a'), h.ref('b'), 'milestone')).toBe('ok');
  });

  test('hasDependency reports a link of that exact type only', () => {
    const h = new Harness().add(desc('a'), desc('b'));
    h.set.load('a');
    h.set.load('b');
    expect(h.set.hasDependency(h.ref('a'), h.ref('b'), 'waits-for')).toBe(false);
    expect(h.set.addDep(h.ref('a'), h.ref('b'), 'waits-for')).toBe('ok');
    expect(h.set.hasDependency(h.ref('a'), h.ref('b'), 'waits-for')).toBe(true);
    expect(h.set.hasDependency(h.ref('a'), h.ref('b'), 'regular')).toBe(false);
    expect(h.set.hasDependency(h.ref('b'), h.ref('a'), 'waits-for')).toBe(false);
  });

  test('rm-dep may stop the dependency', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.start('a');
    expect(h.set.rmDep(h.ref('a'), h.ref('b'), 'regular')).toBe('ok');
    expect(h.state('b')).toBe('stopped');
    expect(h.state('a')).toBe('started');
    expect(h.set.rmDep(h.ref('a'), h.ref('b'), 'regular')).toEqual({ error: expect.any(String) });
  });

  test('enable adds a waits-for dependency and starts it', () => {
    const h = new Harness().add(desc('boot'), desc('svc', { type: 'process' }));
    h.start('boot');
    h.set.load('svc');
    expect(h.set.enable(h.ref('boot'), h.ref('svc'))).toBe('ok');
    expect(h.state('svc')).toBe('started');
    expect(h.status('svc').markedActive).toBe(false);
    // disable = rm-dep of that one edge
    expect(h.set.rmDep(h.ref('boot'), h.ref('svc'), 'waits-for')).toBe('ok');
    expect(h.state('svc')).toBe('stopping');
  });
});
