// The Os port's timers: one Node timer per distinct delay, however many are armed. Every service
// arms a start or stop timeout and nearly always clears it moments later; with thousands of
// services, a Node Timeout each (an object with its own list upkeep) weighed on every burst.
// A delay's Node timer also outlives its last entry (unref'd, until it comes due), so that a
// service restarting every few seconds re-arms a queue entry, not a Node timer.

import type { TimerHandle } from '../../src/core/os';

/** The longest delay setTimeout takes (Node shortens longer ones to 1 ms): longer ones chain. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Cleared entries a queue keeps before it drops them in one go. */
const COMPACT_AFTER = 1024;

interface Entry extends TimerHandle {
  /** When it is due, on the monotonic clock. */
  readonly due: number;
  /** The delay it was armed with: its queue. */
  readonly delay: number;
  /** Undefined once fired or cleared. */
  cb: (() => void) | undefined;
}

/** The timers armed with one delay: due in the order they were armed. */
interface Queue {
  readonly delay: number;
  entries: Entry[];
  /** The first entry not yet fired or dropped. */
  head: number;
  /** Entries neither fired nor cleared. */
  live: number;
  timer: NodeJS.Timeout | undefined;
  /** The timer holds the process (it does while an entry is live). */
  refed: boolean;
  /** Its due entries are being fired (their callbacks may arm and clear timers). */
  firing: boolean;
}

export class TimerQueue {
  private nextId = 1;
  private readonly queues = new Map<number, Queue>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Calls cb once, ms milliseconds of the monotonic clock from now (never earlier). */
  set(ms: number, cb: () => void): TimerHandle {
    const delay = Math.max(0, ms);
    const entry: Entry = { id: this.nextId++, due: this.now() + delay, delay, cb };
    let q = this.queues.get(delay);
    if (q === undefined) {
      q = { delay, entries: [], head: 0, live: 0, timer: undefined, refed: true, firing: false };
      this.queues.set(delay, q);
    }
    q.entries.push(entry);
    q.live++;
    if (q.timer === undefined) {
      if (!q.firing) this.arm(q, delay);
    } else if (!q.refed) {
      // The timer left from the last entry comes due no later than this one (same delay, armed
      // earlier); expired() then waits on for what is not due yet.
      q.timer.ref();
      q.refed = true;
    }
    return entry;
  }

  /** Cancels a timer that has not fired; a no-op for one that has, or for one not ours. */
  clear(handle: TimerHandle): void {
    const entry = handle as Partial<Entry>;
    if (entry.cb === undefined || entry.delay === undefined) return;
    const q = this.queues.get(entry.delay);
    if (q === undefined) return;
    entry.cb = undefined;
    if (--q.live === 0 && !q.firing) this.idle(q);
    else if (!q.firing && q.entries.length - q.head - q.live > Math.max(COMPACT_AFTER, q.live)) {
      // Cleared entries behind a live one at the front: they go before they pile up.
      q.entries = q.entries.slice(q.head).filter((e) => e.cb !== undefined);
      q.head = 0;
    }
  }

  /** Cancels every timer. */
  dispose(): void {
    for (const q of this.queues.values()) {
      if (q.timer) clearTimeout(q.timer);
      for (let i = q.head; i < q.entries.length; i++) q.entries[i].cb = undefined;
    }
    this.queues.clear();
  }

  /** The number of timers armed and not yet fired or cleared. */
  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.live;
    return n;
  }

  /** The Node timer for the front of q, due in ms (chained past setTimeout's limit). */
  private arm(q: Queue, ms: number): void {
    const wait = Math.min(Math.max(0, Math.ceil(ms)), MAX_TIMEOUT_MS);
    q.timer = setTimeout(() => this.expired(q), wait);
    q.refed = true;
  }

  /**
   * Every entry of q was cleared: they go, and its Node timer stays for the next entry, no
   * longer holding the process; when it comes due with nothing armed, the queue goes.
   */
  private idle(q: Queue): void {
    q.entries = [];
    q.head = 0;
    if (q.timer !== undefined && q.refed) {
      q.timer.unref();
      q.refed = false;
    }
  }

  /** A queue with nothing armed goes, its Node timer with it. */
  private drop(q: Queue): void {
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    if (this.queues.get(q.delay) === q) this.queues.delete(q.delay);
  }

  /** Fires what is due at the front of q, in the order armed, then waits for the next. */
  private expired(q: Queue): void {
    q.timer = undefined;
    q.firing = true;
    const now = this.now();
    try {
      while (q.head < q.entries.length) {
        const e = q.entries[q.head];
        if (e.cb !== undefined && e.due > now) break;
        q.head++;
        const cb = e.cb;
        if (cb === undefined) continue;
        e.cb = undefined;
        q.live--;
        cb();
      }
    } finally {
      q.firing = false;
      this.settle(q);
    }
  }

  /** After firing: drop what was cleared at the front, then wait for the next, or go. */
  private settle(q: Queue): void {
    while (q.head < q.entries.length && q.entries[q.head].cb === undefined) q.head++;
    if (q.live === 0) {
      this.drop(q);
      return;
    }
    if (q.head >= COMPACT_AFTER && q.head * 2 >= q.entries.length) {
      q.entries = q.entries.slice(q.head);
      q.head = 0;
    }
    if (q.timer === undefined) this.arm(q, q.entries[q.head].due - this.now());
  }
}
