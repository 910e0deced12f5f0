// One full garbage collection after a burst of service events (thousands of services started or
// stopped), once the daemon has been quiet for half a second: V8 otherwise keeps the heap the
// burst grew until allocation calls for its next major collection, which a quiet daemon may not.

/** How long without activity before the collection. */
const QUIET_MS = 500;
/** Growth of the heap since the last collection that makes one worth its time. */
const MIN_GROWTH = 1 << 20;

/**
 * Collects the garbage of a burst once the burst is over. poke() at each piece of activity is
 * cheap (a clock read); nothing runs while the daemon stays idle. A no-op when the runtime does
 * not expose a collector (node without --expose-gc, as under the tests).
 */
export class HeapTrim {
  private lastActivity = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The heap's size after the last collection (at the first poke: its size then). */
  private heapAfterLast = -1;

  constructor(
    private readonly collect: (() => void) | undefined = (globalThis as { gc?: () => void }).gc,
    /** The heap's size in bytes (V8's committed heap). */
    private readonly heapSize: () => number = () => process.memoryUsage().heapTotal,
  ) {}

  /** Notes activity: the collection comes QUIET_MS after the last poke. */
  poke(): void {
    if (this.collect === undefined) return;
    // The heap at start-up is V8's memory reducer's business (it runs half a second into the
    // first quiet spell, see bin/dinit, and does more than a collection can).
    if (this.heapAfterLast < 0) this.heapAfterLast = this.heapSize();
    this.lastActivity = performance.now();
    if (this.timer === undefined) this.arm(QUIET_MS);
  }

  private arm(ms: number): void {
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
    if (this.heapSize() < this.heapAfterLast + MIN_GROWTH) return;
    this.collect?.();
    this.heapAfterLast = this.heapSize();
  }
}
