// A one-shot timer over the Os port that knows what it is armed for, so that its owner can
// test the purpose, re-arm it for another (which replaces the first) or cancel one purpose only.

import type { Os, TimerHandle } from './os';

/** One timer with a purpose; 'none' when it is not armed. */
export class OneShotTimer<P extends string> {
  private handle: TimerHandle | undefined;
  private armedFor: P | 'none' = 'none';

  constructor(
    private readonly os: Pick<Os, 'setTimer' | 'clearTimer'>,
    /** Called when the timer fires, after it has become 'none' again (so it may re-arm). */
    private readonly onExpiry: (purpose: P) => void,
  ) {}

  /** What the timer is armed for, or 'none'. */
  get purpose(): P | 'none' {
    return this.armedFor;
  }

  /** Arms the timer for `purpose` in ms, replacing whatever it was armed for. */
  arm(ms: number, purpose: P): void {
    this.clear();
    this.armedFor = purpose;
    this.handle = this.os.setTimer(ms, () => {
      this.handle = undefined;
      this.armedFor = 'none';
      this.onExpiry(purpose);
    });
  }

  /** Cancels the timer, whatever it was armed for; a no-op when it is not armed. */
  clear(): void {
    this.armedFor = 'none';
    if (this.handle) {
      this.os.clearTimer(this.handle);
      this.handle = undefined;
    }
  }
}
