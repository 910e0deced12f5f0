// Collections after a burst of service events (thousands of services started or stopped): one
// as soon as the burst is over (no service still starting or stopping), which compacts the heap
// and gives the C heap's free pages back, and one more once the daemon has been quiet for a few
// seconds, when V8 also shrinks its young generation. V8 would otherwise keep what the burst
// grew until allocation calls for its next major collection, which a quiet daemon may never
// make.

import * as v8 from 'node:v8';

/** How long without activity ends a burst (service events come far closer than this). */
const QUIET_MS = 150;
/**
 * How long a burst may look over while services are still starting or stopping. Their events
 * come in batches, as the launcher answers, with pauses longer than QUIET_MS between them; a
 * service that takes minutes to start must not put the collection off for as long.
 */
const MAX_WAIT_MS = 1000;
/**
 * How long without activity before the second collection: V8 gives back the young
 * generation's pages only when its allocation rate over the last few seconds is low.
 */
const SETTLE_MS = 6000;
/** Growth of the heap since the last collection that makes one worth its time. */
const MIN_GROWTH = 1 << 20;
/**
 * Or this many service events since the last collection: the heap may have grown before the
 * first of them (loading a thousand descriptions), when the burst's growth is first measured.
 */
const MIN_EVENTS = 256;

/**
 * Collects the garbage of a burst once the burst is over. poke() at each piece of activity is
 * cheap (a clock read); nothing runs while the daemon stays idle. A no-op when the runtime does
 * not expose a collector (node without --expose-gc, as under the tests).
 */
export class HeapTrim {
  private lastActivity = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now). */
  private due = 0;
  /** The heap's size after the last collection (at the first poke: its size then). */
  private heapAfterLast = -1;
  /** A burst was collected: the second collection comes after SETTLE_MS of quiet. */
  private settlePending = false;
  /** Pokes since the last collection. */
  private events = 0;

  constructor(
    private readonly collect: (() => void) | undefined = (globalThis as { gc?: () => void }).gc,
    /**
     * The heap's size in bytes (V8's committed heap). From V8's own statistics: not
     * process.memoryUsage(), which also reads /proc/self/stat for the RSS, at the first event
     * of every burst (a restart of one service in a quiet daemon).
     */
    private readonly heapSize: () => number = () => v8.getHeapStatistics().total_heap_size,
    /** Gives the C heap's free pages back to the kernel (malloc_trim), where possible. */
    private readonly release: (() => void) | undefined = undefined,
    /** True while services are starting or stopping (more of the burst is on its way). */
    private readonly busy: () => boolean = () => false,
  ) {}

  /** Notes activity: the collection comes QUIET_MS after the last poke. */
  poke(): void {
    if (this.collect === undefined) return;
    this.lastActivity = performance.now();
    this.events++;
    if (this.timer === undefined) {
      // A burst begins: its growth counts from the heap as it is now, or after the last
      // collection if that was smaller. The heap at start-up is V8's memory reducer's business
      // (it runs half a second into the first quiet spell, see bin/dinit, and shrinks the heap
      // further than a collection can), so a first burst during start-up counts from its end.
      const now = this.heapSize();
      this.heapAfterLast = this.heapAfterLast < 0 ? now : Math.min(this.heapAfterLast, now);
      this.arm(QUIET_MS);
    } else if (this.due > this.lastActivity + QUIET_MS) {
      // Waiting to settle: a new burst gets its own collection when it ends.
      clearTimeout(this.timer);
      this.arm(QUIET_MS);
    }
  }

  private arm(ms: number): void {
    this.due = performance.now() + ms;
    this.timer = setTimeout(() => this.expired(), ms);
    // Never what keeps the daemon alive.
    this.timer.unref();
  }

  private expired(): void {
    this.timer = undefined;
    const quiet = performance.now() - this.lastActivity;
    if (quiet < QUIET_MS) {
      this.arm(QUIET_MS - quiet);
      return;
    }
    if (quiet < MAX_WAIT_MS && this.busy()) {
      this.arm(QUIET_MS);
      return;
    }
    if (this.events >= MIN_EVENTS || this.heapSize() >= this.heapAfterLast + MIN_GROWTH) {
      this.collectNow();
      this.settlePending = true;
    } else if (this.settlePending && quiet >= SETTLE_MS) {
      this.collectNow();
      this.settlePending = false;
    }
    if (this.settlePending) this.arm(Math.max(QUIET_MS, SETTLE_MS - quiet));
  }

  private collectNow(): void {
    this.collect?.();
    this.release?.();
    this.heapAfterLast = this.heapSize();
    this.events = 0;
  }
}
