// Exponential restart backoff (restart-delay-max, restart-reset-after; dinit-ts extensions): the
// delay before each automatic relaunch, doubled from restart-delay for each consecutive one.

import type { ServiceDescription } from '../config/types';

/**
 * Without restart-delay-max every automatic relaunch waits restart-delay, as upstream. With it,
 * the n-th consecutive automatic relaunch waits restart-delay x 2^(n-1), at most
 * restart-delay-max; like restart-delay, the wait counts from the previous start. A process that
 * stayed up at least restart-reset-after (default: restart-delay-max) before it ended starts the
 * series again, and so does an explicit start.
 */
export class RestartBackoff {
  /** Automatic relaunches since the series began. */
  private step = 0;

  /** An explicit start: the next automatic relaunch waits restart-delay again. */
  reset(): void {
    this.step = 0;
  }

  /** The delay (ms) before the relaunch about to happen, the previous process having run `upMs`. */
  next(desc: ServiceDescription, upMs: number): number {
    const base = desc.restartDelayMs;
    const max = desc.restartDelayMaxMs;
    if (max === undefined || max <= base) return base;
    if (upMs >= (desc.restartResetAfterMs ?? max)) this.step = 0;
    // Capped before it could overflow: 2^31 x any delay is past every cap that parses.
    const delay = this.step >= 31 ? max : Math.min(base * 2 ** this.step, max);
    this.step++;
    return delay;
  }
}
