// PosixOs timers: long delays are chained past setTimeout's 2^31-1 ms limit, and cleared
// timers never fire. Driven by Jest's fake timers; no process is launched.

import { LINUX_WAIT, PosixOs } from '../../../adapters/posix/posix-os';

function makeOs(): PosixOs {
  return new PosixOs({
    log: () => {},
    libc: undefined,
    helperPath: undefined,
    sockaddr: 'linux',
    siginfo: { code: 8, pid: 16, status: 24 },
    wait: LINUX_WAIT,
    oNonblock: 0x800,
  });
}

describe('PosixOs timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires a delay longer than 2^31-1 ms only when it is due', () => {
    const os = makeOs();
    let fired = false;
    const day = 24 * 3600 * 1000;
    os.setTimer(30 * day, () => (fired = true));
    jest.advanceTimersByTime(29 * day);
    expect(fired).toBe(false);
    jest.advanceTimersByTime(day);
    expect(fired).toBe(true);
  });

  it('never fires a cleared timer, even a chained one', () => {
    const os = makeOs();
    let fired = 0;
    const t = os.setTimer(2 ** 31 + 5000, () => fired++);
    jest.advanceTimersByTime(2 ** 31);
    os.clearTimer(t);
    jest.advanceTimersByTime(10000);
    expect(fired).toBe(0);
  });

  it('treats a negative delay as zero', () => {
    const os = makeOs();
    let fired = 0;
    os.setTimer(-5, () => fired++);
    jest.advanceTimersByTime(0);
    expect(fired).toBe(1);
  });
});
