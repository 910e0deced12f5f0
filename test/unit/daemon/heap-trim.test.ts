// HeapTrim: one collection after a burst of activity, once it is quiet, and only when the heap
// grew; never while the daemon stays idle.

import { HeapTrim } from '../../../src/daemon/heap-trim';

const MiB = 1 << 20;

describe('HeapTrim', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(): { trim: HeapTrim; collect: jest.Mock; heap: { size: number } } {
    const heap = { size: 8 * MiB };
    const collect = jest.fn(() => {
      heap.size = 9 * MiB;
    });
    return { trim: new HeapTrim(collect, () => heap.size), collect, heap };
  }

  it('collects once, half a second after the last of a burst of events that grew the heap', () => {
    const { trim, collect, heap } = setup();
    trim.poke();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(100);
      heap.size += MiB;
      trim.poke();
    }
    jest.advanceTimersByTime(499);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('does not collect after events that left the heap as it was', () => {
    const { trim, collect } = setup();
    trim.poke();
    jest.advanceTimersByTime(1000);
    trim.poke();
    jest.advanceTimersByTime(1000);
    expect(collect).not.toHaveBeenCalled();
  });

  it('measures growth from the heap after the last collection', () => {
    const { trim, collect, heap } = setup();
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);
    heap.size = 9.5 * MiB;
    trim.poke();
    jest.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);
    heap.size = 10.5 * MiB;
    trim.poke();
    jest.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('does nothing without a collector', () => {
    const trim = new HeapTrim(undefined, () => 100 * MiB);
    trim.poke();
    expect(jest.getTimerCount()).toBe(0);
  });
});
