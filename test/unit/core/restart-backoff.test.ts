// Exponential restart backoff on the fake OS's clock: with restart-delay-max each consecutive
// automatic relaunch waits twice as long as the one before (from the previous start), up to the
// cap; a process that stayed up restart-reset-after, or an explicit start, begins the series
// again; without restart-delay-max every relaunch waits restart-delay, as upstream.

import { desc, Harness } from './helpers';

const backoff = (extra: Parameters<typeof desc>[1] = {}) =>
  desc('p', {
    type: 'process',
    restart: 'yes',
    restartLimitCount: 0,
    restartDelayMs: 1000,
    restartDelayMaxMs: 8000,
    ...extra,
  });

/** Lets the running process crash at once and returns how long its relaunch waited. */
function crashAndMeasure(h: Harness): number {
  const before = h.os.launchesOf('p').length;
  h.os.exit('p', 1);
  let waited = 0;
  while (h.os.launchesOf('p').length === before) {
    if (waited > 100_000) throw new Error('no relaunch');
    h.os.advance(250);
    waited += 250;
  }
  return waited;
}

describe('restart backoff', () => {
  test('consecutive automatic restarts wait twice as long each time, up to the cap', () => {
    const h = new Harness().add(backoff());
    h.start('p');
    const waits = [1, 2, 3, 4, 5, 6].map(() => crashAndMeasure(h));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test('without restart-delay-max every restart waits restart-delay', () => {
    const h = new Harness().add(backoff({ restartDelayMaxMs: undefined }));
    h.start('p');
    expect([1, 2, 3, 4].map(() => crashAndMeasure(h))).toEqual([1000, 1000, 1000, 1000]);
  });

  test('the wait counts from the previous start, as restart-delay does', () => {
    const h = new Harness().add(backoff({ restartResetAfterMs: 60_000 }));
    h.start('p');
    crashAndMeasure(h); // 1000
    crashAndMeasure(h); // 2000
    // Up 3 s of the next 4 s wait: it is relaunched 1 s after its exit.
    h.os.advance(3000);
    expect(crashAndMeasure(h)).toBe(1000);
  });

  test('a process that stayed up restart-reset-after begins the series again', () => {
    const h = new Harness().add(backoff({ restartDelayMaxMs: 16_000, restartResetAfterMs: 5000 }));
    h.start('p');
    expect([1, 2, 3].map(() => crashAndMeasure(h))).toEqual([1000, 2000, 4000]);
    h.os.advance(6000);
    // Stable long enough: relaunched at once (its 1 s is long past), then 2 s, not 8 s.
    expect(crashAndMeasure(h)).toBe(0);
    expect(crashAndMeasure(h)).toBe(2000);
  });

  test('restart-reset-after defaults to restart-delay-max', () => {
    const h = new Harness().add(backoff());
    h.start('p');
    expect([1, 2, 3].map(() => crashAndMeasure(h))).toEqual([1000, 2000, 4000]);
    h.os.advance(7000);
    // Up 7 s < 8 s: the series goes on, 8 s from the start, so 1 s after the exit.
    expect(crashAndMeasure(h)).toBe(1000);
    expect(crashAndMeasure(h)).toBe(8000);
    h.os.advance(8000);
    expect(crashAndMeasure(h)).toBe(0); // up 8 s: reset, and 1 s is long past
    expect(crashAndMeasure(h)).toBe(2000);
  });

  test('an explicit start begins the series again', () => {
    const h = new Harness().add(backoff());
    h.start('p');
    expect([1, 2, 3].map(() => crashAndMeasure(h))).toEqual([1000, 2000, 4000]);
    h.stop('p');
    h.os.exit('p', 0);
    expect(h.state('p')).toBe('stopped');
    h.start('p');
    expect(crashAndMeasure(h)).toBe(1000);
  });

  test('smooth recovery backs off the same way', () => {
    const h = new Harness().add(backoff({ smoothRecovery: true }));
    h.start('p');
    expect([1, 2, 3, 4].map(() => crashAndMeasure(h))).toEqual([1000, 2000, 4000, 8000]);
    expect(h.state('p')).toBe('started');
  });

  test('a stop during the wait cancels the relaunch', () => {
    const h = new Harness().add(backoff());
    h.start('p');
    crashAndMeasure(h);
    h.os.exit('p', 1);
    h.stop('p');
    h.os.advance(10_000);
    expect(h.state('p')).toBe('stopped');
    expect(h.os.launchesOf('p')).toHaveLength(2);
  });
});
