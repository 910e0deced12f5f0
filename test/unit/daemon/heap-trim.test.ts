// HeapTrim: a collection as soon as a burst of activity is over (no service still starting or
// stopping), when the heap grew or the burst was large, and a second one once the daemon has
// settled; never while it stays idle.

import { HeapTrim } from '../../../src/daemon/heap-trim';

const MiB = 1 << 20;

describe('HeapTrim', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(busy = () => false): {
    trim: HeapTrim;
    collect: jest.Mock;
    release: jest.Mock;
    heap: { size: number };
  } {
    const heap = { size: 8 * MiB };
    const collect = jest.fn(() => {
      heap.size = 9 * MiB;
    });
    const release = jest.fn();
    return { trim: new HeapTrim(collect, () => heap.size, release, busy), collect, release, heap };
  }

  it('collects 150 ms after the last of a burst of events that grew the heap', () => {
    const { trim, collect, release, heap } = setup();
    trim.poke();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(100);
      heap.size += MiB;
      trim.poke();
    }
    jest.advanceTimersByTime(149);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('collects once more when the daemon has been quiet for six seconds, then no more', () => {
    const { trim, collect, release, heap } = setup();
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(5849);
    expect(collect).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(release).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(60_000);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('waits while services are still starting or stopping', () => {
    const moving = { count: 3 };
    const { trim, collect, heap } = setup(() => moving.count > 0);
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(600);
    expect(collect).not.toHaveBeenCalled();
    // The rest of the burst's events arrive after the pause.
    moving.count = 0;
    trim.poke();
    jest.advanceTimersByTime(149);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('collects after a second of quiet even while a service is still starting', () => {
    const { trim, collect, heap } = setup(() => true);
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(900);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('collects a new burst when it ends, not when the previous one settles', () => {
    const { trim, collect, heap } = setup();
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);
    heap.size = 11 * MiB;
    trim.poke();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(2);
    // The settling collection counts from the new burst.
    jest.advanceTimersByTime(5849);
    expect(collect).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(3);
  });

  it('does not collect after a few events that left the heap as it was', () => {
    const { trim, collect } = setup();
    trim.poke();
    jest.advanceTimersByTime(1000);
    trim.poke();
    jest.advanceTimersByTime(10_000);
    expect(collect).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('collects after a burst of many events even if the heap grew before the first', () => {
    const { trim, collect } = setup();
    for (let i = 0; i < 256; i++) trim.poke();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('measures growth from the heap after the last collection', () => {
    const { trim, collect, heap } = setup();
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
    heap.size = 9.5 * MiB;
    trim.poke();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
    heap.size = 10.5 * MiB;
    trim.poke();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('does nothing without a collector', () => {
    const trim = new HeapTrim(undefined, () => 100 * MiB);
    trim.poke();
    expect(jest.getTimerCount()).toBe(0);
  });
});
