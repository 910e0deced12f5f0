// The kqueue exit watcher (FreeBSD, macOS) and the BSD adapters' wiring, against a fake
// kqueue layer that keeps registered knotes and lets the test fire process exits.

import { DarwinOs } from '../../../adapters/darwin/darwin-os';
import { FreeBsdOs } from '../../../adapters/freebsd/freebsd-os';
import type { FreeBsdSys } from '../../../adapters/freebsd/sys';
import {
  DARWIN_KEVENT,
  EVFILT_PROC,
  EV_ADD,
  EV_DELETE,
  EV_ONESHOT,
  FREEBSD_KEVENT,
  KqueueProcWatcher,
  NOTE_EXIT,
  decodeKevents,
  decodeWaitStatus,
  encodeKevents,
  type KeventLayout,
  type KqueueSys,
} from '../../../adapters/posix/kqueue';
import type { ExitStatus } from '../../../src/model';

/** A fake kqueue: registered pids, a queue of fired events, errno for gone pids. */
class FakeKqueue implements FreeBsdSys {
  readonly knotes = new Map<number, number>(); // pid -> fflags
  readonly pending: Array<{ pid: number; status: number }> = [];
  readonly gone = new Set<number>();
  calls: string[] = [];
  private err = 0;
  reaperResult = 0;
  constructor(private readonly layout: KeventLayout) {}
  kqueue(): number {
    this.calls.push('kqueue');
    return 7;
  }
  kevent(kq: number, changes: Buffer, nchanges: number, events: Buffer, nevents: number): number {
    expect(kq).toBe(7);
    for (const c of decodeKevents(this.layout, changes, nchanges)) {
      expect(c.filter).toBe(EVFILT_PROC);
      if (c.flags & EV_ADD) {
        if (this.gone.has(c.ident)) {
          this.err = 3;
          return -1;
        }
        expect(c.flags & EV_ONESHOT).toBeTruthy();
        this.knotes.set(c.ident, c.fflags);
        this.calls.push(`add ${c.ident}`);
      } else if (c.flags & EV_DELETE) {
        this.knotes.delete(c.ident);
        this.calls.push(`delete ${c.ident}`);
      }
    }
    const n = Math.min(nevents, this.pending.length);
    const fired = this.pending.splice(0, n);
    encodeKevents(
      this.layout,
      fired.map((f) => ({
        ident: f.pid,
        filter: EVFILT_PROC,
        flags: EV_ONESHOT,
        fflags: NOTE_EXIT,
        data: f.status,
      })),
    ).copy(events);
    return n;
  }
  close(): void {
    this.calls.push('close');
  }
  errno(): number {
    return this.err;
  }
  acquireReaper(): number {
    this.calls.push('procctl');
    return this.reaperResult;
  }
  /** The process exits: its knote fires. */
  exit(pid: number, status: number): void {
    if (this.knotes.delete(pid)) this.pending.push({ pid, status });
  }
}

describe('kevent encoding', () => {
  it.each([
    ['FreeBSD', FREEBSD_KEVENT],
    ['macOS', DARWIN_KEVENT],
  ])('round-trips a kevent in the %s layout', (_name, layout) => {
    const ev = {
      ident: 4242,
      filter: EVFILT_PROC,
      flags: EV_ADD | EV_ONESHOT,
      fflags: NOTE_EXIT,
      data: 0x0300,
    };
    const buf = encodeKevents(layout, [ev, { ...ev, ident: 1 }]);
    expect(buf.length).toBe(layout.size * 2);
    expect(decodeKevents(layout, buf, 2)).toEqual([ev, { ...ev, ident: 1 }]);
  });
});

describe('decodeWaitStatus', () => {
  it('decodes exit codes, signals and core dumps', () => {
    expect(decodeWaitStatus(3 << 8)).toEqual({ kind: 'exited', code: 3 });
    expect(decodeWaitStatus(15)).toEqual({ kind: 'signalled', signal: 15, coreDumped: false });
    expect(decodeWaitStatus(0x80 | 11)).toEqual({
      kind: 'signalled',
      signal: 11,
      coreDumped: true,
    });
    expect(decodeWaitStatus(0x137f)).toBeUndefined();
  });
});

describe('KqueueProcWatcher', () => {
  let fake: FakeKqueue;
  let watcher: KqueueProcWatcher;
  beforeEach(() => {
    jest.useFakeTimers();
    fake = new FakeKqueue(FREEBSD_KEVENT);
    watcher = new KqueueProcWatcher(fake, FREEBSD_KEVENT, NOTE_EXIT, () => true, 100);
  });
  afterEach(() => {
    watcher.dispose();
    jest.useRealTimers();
  });

  it('reports the exit status of a watched pid at the next poll', () => {
    const got: Array<ExitStatus | undefined> = [];
    expect(watcher.watch(100, (s) => got.push(s))).not.toBe(false);
    expect(fake.knotes.get(100)).toBe(NOTE_EXIT);
    fake.exit(100, 7 << 8);
    expect(got).toEqual([]);
    jest.advanceTimersByTime(100);
    expect(got).toEqual([{ kind: 'exited', code: 7 }]);
  });

  it('reports a pid that is already gone as an exit of unknown status', () => {
    fake.gone.add(200);
    const got: Array<ExitStatus | undefined> = [];
    watcher.watch(200, (s) => got.push(s));
    jest.advanceTimersByTime(1);
    expect(got).toEqual([undefined]);
  });

  it('removes the knote on cancel and stops polling when nothing is watched', () => {
    const got: Array<ExitStatus | undefined> = [];
    const w = watcher.watch(300, (s) => got.push(s));
    if (!w) throw new Error('watch failed');
    w.cancel();
    expect(fake.calls).toContain('delete 300');
    expect(jest.getTimerCount()).toBe(0);
    fake.exit(300, 0);
    jest.advanceTimersByTime(500);
    expect(got).toEqual([]);
  });

  it('uses one kqueue for many pids', () => {
    const got: number[] = [];
    for (const pid of [1, 2, 3]) watcher.watch(pid, () => got.push(pid));
    fake.exit(2, 0);
    fake.exit(3, 0);
    jest.advanceTimersByTime(100);
    expect(got).toEqual([2, 3]);
    expect(fake.calls.filter((c) => c === 'kqueue')).toHaveLength(1);
  });
});

describe('BSD adapters', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('FreeBSD acquires the reaper role and watches foreign pids through kqueue with status', () => {
    const fake = new FakeKqueue(FREEBSD_KEVENT);
    const os = new FreeBsdOs({ log: () => {}, libc: null, sys: fake });
    try {
      expect(fake.calls[0]).toBe('procctl');
      expect(os.caps).toMatchObject({ subreaper: true, pidfd: false, cgroups: false });
      const got: Array<ExitStatus | undefined> = [];
      os.watchPid(555, (s) => got.push(s));
      fake.exit(555, 9);
      jest.advanceTimersByTime(100);
      expect(got).toEqual([{ kind: 'signalled', signal: 9, coreDumped: false }]);
    } finally {
      os.dispose();
    }
  });

  it('FreeBSD reports subreaper off when procctl fails', () => {
    const fake = new FakeKqueue(FREEBSD_KEVENT);
    fake.reaperResult = -1;
    const os = new FreeBsdOs({ log: () => {}, libc: null, sys: fake });
    expect(os.caps.subreaper).toBe(false);
    os.dispose();
  });

  it('macOS watches foreign pids through kqueue and reports their status as unknown', () => {
    const fake = new FakeKqueue(DARWIN_KEVENT);
    const os = new DarwinOs({ log: () => {}, libc: null, sys: fake as KqueueSys });
    try {
      expect(os.caps.subreaper).toBe(false);
      const got: Array<ExitStatus | undefined> = [];
      os.watchPid(777, (s) => got.push(s));
      fake.exit(777, 0);
      jest.advanceTimersByTime(100);
      expect(got).toEqual([undefined]);
    } finally {
      os.dispose();
    }
  });
});
