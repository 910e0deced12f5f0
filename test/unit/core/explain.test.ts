// What the manager tells the explanation commands (the snapshot): state-change times on the
// clock port, the dependency links with their kinds and holds, restarts, the last exit.

import { desc, Harness } from './helpers';

describe('snapshot for why, tree, graph and analyze', () => {
  test('records when each state was entered and when the own start began, on the manager clock', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b', { type: 'scripted' }));
    const t0 = h.os.now();
    h.os.advance(500);
    h.start('a');
    h.os.advance(300);
    h.os.exit('b', 0);
    const snap = h.set.snapshot();
    const times = (n: string) => h.set.snapshot().services.find((s) => s.name === n)?.times;
    expect(snap.since).toBe(t0);
    expect(snap.now).toBe(t0 + 800);
    expect(times('b')).toEqual({ starting: t0 + 500, launched: t0 + 500, started: t0 + 800 });
    expect(times('a')).toEqual({ starting: t0 + 500, launched: t0 + 800, started: t0 + 800 });
    h.os.advance(100);
    h.stop('a');
    expect(times('a')).toMatchObject({ stopping: t0 + 900, stopped: t0 + 900 });
  });

  test('lists each dependency with its kind and whether the dependent holds it', () => {
    const h = new Harness().add(
      desc('a', { dependsOn: ['b'], waitsFor: ['c'] }),
      desc('b'),
      desc('c'),
    );
    h.start('a');
    h.stop('c');
    const a = h.set.snapshot().services.find((s) => s.name === 'a');
    expect(a?.markedActive).toBe(true);
    expect(a?.dependsOn).toEqual([
      { to: 'b', type: 'regular', holding: true, waiting: false },
      { to: 'c', type: 'waits-for', holding: false, waiting: false },
    ]);
    expect(h.set.snapshot().services.find((s) => s.name === 'b')?.requiredBy).toBe(1);
  });

  test('counts automatic restarts and keeps the last exit while the new process runs', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'yes' }));
    h.start('p');
    h.os.advance(1000);
    h.os.exit('p', 3);
    const p = h.set.snapshot().services.find((s) => s.name === 'p');
    expect(h.state('p')).toBe('started');
    expect(p?.restarts).toBe(1);
    expect(p?.exitStatus).toEqual({ kind: 'exited', code: 3 });
  });
});
