// HeapTrim: a collection as soon as a burst of activity is over (no service still starting or
// stopping), when the heap grew or the burst was large; never while the daemon stays idle.

import { HeapTrim, reducingCollector } from '../../../src/daemon/heap-trim';

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
    const collect = jest.fn((done: () => void) => {
      heap.size = 9 * MiB;
      done();
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

  it('collects once per burst and then leaves the idle daemon alone', () => {
    const { trim, collect, heap } = setup();
    trim.poke();
    heap.size = 12 * MiB;
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(60_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
    heap.size = 11 * MiB;
    trim.poke();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(2);
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
    jest.advanceTimersByTime(60_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not start a collection while the last one is still running', () => {
    const heap = { size: 8 * MiB };
    const pending: (() => void)[] = [];
    const collect = jest.fn((done: () => void) => void pending.push(done));
    const release = jest.fn();
    const trim = new HeapTrim(collect, () => heap.size, release);
    for (let i = 0; i < 256; i++) trim.poke();
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 256; i++) trim.poke();
    jest.advanceTimersByTime(450);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(release).not.toHaveBeenCalled();
    pending[0]();
    expect(release).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(150);
    expect(collect).toHaveBeenCalledTimes(2);
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

describe('reducingCollector', () => {
  const g = globalThis as { gc?: () => void };
  const saved = g.gc;
  afterEach(() => {
    g.gc = saved;
  });

  it('is absent when the runtime exposes no gc()', () => {
    delete g.gc;
    expect(reducingCollector()).toBeUndefined();
  });

  it('runs a full collection through the inspector, then calls back', async () => {
    g.gc = jest.fn();
    const collect = reducingCollector();
    expect(collect).toBeDefined();
    // Only weakly held from the next turn on (a WeakRef keeps its target for the current one).
    const ref = new WeakRef({ garbage: true });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => collect?.(resolve));
    expect(ref.deref()).toBeUndefined();
    // The inspector did the work: the fallback was never needed.
    expect(g.gc).not.toHaveBeenCalled();
  });
});
