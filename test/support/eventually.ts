// The one polling helper of the test suites: wait for something another process or the event
// loop makes true (a file a fixture writes, a state dinitctl reports), bounded so a broken test
// fails naming what it waited for instead of hanging until jest's own timeout.

export interface EventuallyOptions {
  /** Give up after this long (default 20 s, below jest's 30 s per test). */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  intervalMs?: number;
}

/**
 * Resolves once `cond()` holds (it may be async), checking again after each interval.
 * Rejects with "timed out waiting for <what>" once timeoutMs has passed.
 */
export async function eventually(
  what: string,
  cond: () => boolean | Promise<boolean>,
  opts: EventuallyOptions = {},
): Promise<void> {
  const end = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}
