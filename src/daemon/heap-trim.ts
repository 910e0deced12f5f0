// The collection after a burst of service events (thousands of services started or stopped):
// once the burst is over, a full collection that compacts the heap and gives back the young
// generation's pages, then the C heap's free pages. V8 would otherwise keep what the burst grew
// until allocation calls for its next major collection, which a quiet daemon may never make.

import * as v8 from 'node:v8';

/** How long without activity ends a burst (service events come far closer than this). */
const QUIET_MS = 150;
/**
 * How long a burst may look over while services are still starting or stopping. Their events
 * come in batches, as the launcher answers, with pauses longer than QUIET_MS between them; a
 * service that takes minutes to start must not put the collection off for as long.
 */
const MAX_WAIT_MS = 1000;
/** Growth of the heap since the last collection that makes one worth its time. */
const MIN_GROWTH = 1 << 20;
/**
 * Or this many service events since the last collection: the heap may have grown before the
 * first of them (loading a thousand descriptions), when the burst's growth is first measured.
 */
const MIN_EVENTS = 256;

/** Runs a full collection and calls done once it is over (which may be after it returns). */
export type Collector = (done: () => void) => void;

/**
 * The collector for a daemon that runs with --expose-gc (bin/dinit); undefined without it (as
 * under the tests), and then nothing collects. It asks V8 for its low-memory collection through
 * the in-process inspector (HeapProfiler.collectGarbage): full collections that reduce memory,
 * which also give back the young generation's pages. gc() leaves both semispaces committed
 * until V8 has seen a few seconds of low allocation, up to 2 MiB of the daemon's RssAnon
 * meanwhile; Node 22 has gc({flavor: 'last-resort'}) for this, Node 20 only the inspector.
 * Where Node was built without the inspector, gc() is what there is.
 */
export function reducingCollector(): Collector | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  // Opened at the first collection and kept: a session closed from the callback of its own
  // request hangs Node (20 to 24), and the session costs little beside the module (some
  // 150 KiB together, against the 1 to 2 MiB it gives back).
  let session: { post(method: string, cb: (err: Error | null) => void): void } | undefined;
  let noInspector = false;
  return (done) => {
    if (session === undefined && !noInspector) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Session } = require('node:inspector') as typeof import('node:inspector');
        const s = new Session();
        s.connect();
        session = s;
      } catch {
        noInspector = true;
      }
    }
    if (session === undefined) {
      gc();
      done();
      return;
    }
    session.post('HeapProfiler.collectGarbage', (err) => {
      if (err !== null) gc();
      done();
    });
  };
}

/**
 * Collects the garbage of a burst once the burst is over. poke() at each piece of activity is
 * cheap (a clock read); nothing runs while the daemon stays idle. A no-op without a collector.
 */
export class HeapTrim {
  private lastActivity = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The heap's size after the last collection (at the first poke: its size then). */
  private heapAfterLast = -1;
  /** Pokes since the last collection. */
  private events = 0;
  /** A collection was asked for and has not finished yet. */
  private collecting = false;
  /** The next quiet spell gets a collection whatever the heap did (see started()). */
  private force = false;

  constructor(
    private readonly collect: Collector | undefined = reducingCollector(),
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
    if (this.timer !== undefined) return;
    // A burst begins: its growth counts from the heap as it is now, or after the last
    // collection if that was smaller.
    const now = this.heapSize();
    this.heapAfterLast = this.heapAfterLast < 0 ? now : Math.min(this.heapAfterLast, now);
    this.arm(QUIET_MS);
  }

  /**
   * The daemon has started up: its modules loaded and its boot services started, which left
   * garbage (the compiler's, the loader's) and a heap grown in steps. It is collected once the
   * daemon is quiet, as after a burst.
   */
  started(): void {
    this.force = true;
    this.poke();
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
    if (this.collecting || (quiet < MAX_WAIT_MS && this.busy())) {
      this.arm(QUIET_MS);
      return;
    }
    if (
      this.force ||
      this.events >= MIN_EVENTS ||
      this.heapSize() >= this.heapAfterLast + MIN_GROWTH
    ) {
      this.collectNow();
    }
  }

  private collectNow(): void {
    this.events = 0;
    this.force = false;
    this.collecting = true;
    this.collect?.(() => {
      this.collecting = false;
      this.release?.();
      this.heapAfterLast = this.heapSize();
    });
  }
}
