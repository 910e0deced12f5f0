// The Os port's timer queue: one Node timer per delay, firing in due order, never early, and
// nothing left armed once every timer has fired (a cleared delay's timer stays, unref'd, until due).

import { TimerQueue } from '../../../adapters/posix/timer-queue';

let clock = 0;
let q: TimerQueue;

/** Moves the monotonic clock and Node's fake timers on together. */
function advance(ms: number): void {
  for (let i = 0; i < ms; i++) {
    clock++;
    jest.advanceTimersByTime(1);
  }
}

beforeEach(() => {
  jest.useFakeTimers();
  clock = 0;
  q = new TimerQueue(() => clock);
});
afterEach(() => {
  q.dispose();
  jest.useRealTimers();
});

describe('TimerQueue', () => {
  it('fires each timer once, after its delay, in due order across delays', () => {
    const fired: string[] = [];
    q.set(30, () => fired.push('a30'));
    q.set(10, () => fired.push('b10'));
    advance(5);
    q.set(10, () => fired.push('c10 (armed at 5)'));
    q.set(0, () => fired.push('d0'));
    advance(1);
    expect(fired).toEqual(['d0']);
    advance(4);
    expect(fired).toEqual(['d0', 'b10']);
    advance(5);
    expect(fired).toEqual(['d0', 'b10', 'c10 (armed at 5)']);
    advance(50);
    expect(fired).toEqual(['d0', 'b10', 'c10 (armed at 5)', 'a30']);
    // One Node timer per delay at most, and none once all have fired.
    expect(jest.getTimerCount()).toBe(0);
    expect(q.size).toBe(0);
  });

  it("holds one Node timer for many timers of one delay, unref'd once all are cleared", () => {
    const made = jest.spyOn(global, 'setTimeout');
    const fired: number[] = [];
    const handles = Array.from({ length: 1000 }, (_, i) => q.set(10_000, () => fired.push(i)));
    expect(jest.getTimerCount()).toBe(1);
    expect(q.size).toBe(1000);
    for (const h of handles) q.clear(h);
    // It stays for the next timer of this delay, but no longer holds the process.
    expect(jest.getTimerCount()).toBe(1);
    const node = made.mock.results[0].value as NodeJS.Timeout;
    expect(node.hasRef()).toBe(false);
    advance(10_001);
    expect(fired).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
    made.mockRestore();
  });

  it('re-arms a cleared delay on the Node timer it left, firing the new timer on time', () => {
    const made = jest.spyOn(global, 'setTimeout');
    const fired: string[] = [];
    q.clear(q.set(100, () => fired.push('cleared')));
    advance(40);
    q.set(100, () => fired.push('second (due at 140)'));
    expect(made).toHaveBeenCalledTimes(1);
    expect((made.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(true);
    // The left timer comes due at 100: nothing is due yet, and it waits on for the rest.
    advance(99);
    expect(fired).toEqual([]);
    advance(1);
    expect(fired).toEqual(['second (due at 140)']);
    expect(jest.getTimerCount()).toBe(0);
    made.mockRestore();
  });

  it('fires the live timers among thousands cleared behind them', () => {
    const fired: number[] = [];
    const first = q.set(100, () => fired.push(0));
    const handles = Array.from({ length: 5000 }, (_, i) => q.set(100, () => fired.push(i + 1)));
    handles.forEach((h, i) => {
      if (i !== 2500) q.clear(h);
    });
    expect(q.size).toBe(2);
    // Clearing twice, or clearing a fired timer, changes nothing.
    q.clear(handles[0]);
    advance(101);
    expect(fired).toEqual([0, 2501]);
    q.clear(first);
    expect(q.size).toBe(0);
  });

  it('never fires early when Node wakes it before the monotonic clock reaches the due time', () => {
    let fired = false;
    q.set(10, () => (fired = true));
    // Node's clock runs ahead of ours (its cached loop time was stale when the timer was armed).
    jest.advanceTimersByTime(10);
    expect(fired).toBe(false);
    advance(9);
    expect(fired).toBe(false);
    advance(1);
    expect(fired).toBe(true);
  });

  it('lets a firing callback arm and clear timers of its own delay', () => {
    const fired: string[] = [];
    let later = q.set(10, () => fired.push('never'));
    q.clear(later);
    q.set(10, () => {
      fired.push('first');
      later = q.set(10, () => fired.push('re-armed'));
    });
    const second = q.set(10, () => fired.push('second'));
    q.set(10, () => {
      fired.push('third');
      q.clear(second);
    });
    advance(10);
    expect(fired).toEqual(['first', 'second', 'third']);
    advance(10);
    expect(fired).toEqual(['first', 'second', 'third', 're-armed']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('chains delays beyond what setTimeout takes', () => {
    let fired = false;
    const max = 2 ** 31 - 1;
    q.set(max + 5000, () => (fired = true));
    clock += max;
    jest.advanceTimersByTime(max);
    expect(fired).toBe(false);
    advance(5000);
    expect(fired).toBe(true);
  });

  it('keeps firing the others after a callback throws', () => {
    const fired: string[] = [];
    q.set(10, () => {
      throw new Error('boom');
    });
    q.set(10, () => fired.push('after'));
    expect(() => advance(10)).toThrow('boom');
    advance(1);
    expect(fired).toEqual(['after']);
  });
});
