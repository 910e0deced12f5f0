// The orphan reaper against a fake waitid layer: it reaps adopted orphans, routes statuses to
// watchers, and never touches a pid that libuv will reap itself.

import { OrphanReaper, exitStatusFromSiginfo, type ReapSys } from '../../../adapters/posix/reaper';
import type { ExitStatus } from '../../../src/model';

/** Zombies in kernel order; reap() removes them. */
function fakeSys(
  zombies: Map<number, ExitStatus>,
  children?: number[],
): ReapSys & { reaped: number[] } {
  const reaped: number[] = [];
  return {
    reaped,
    peek: () => {
      const first = zombies.keys().next();
      return first.done ? undefined : { pid: first.value };
    },
    reap: (pid) => {
      const s = zombies.get(pid);
      if (!s) return undefined;
      zombies.delete(pid);
      reaped.push(pid);
      return s;
    },
    listChildren: children ? () => children : undefined,
  };
}

let clock = 0;

function reaper(sys: ReapSys, libuv: Set<number>) {
  const retries: Array<() => void> = [];
  clock = 0;
  const r = new OrphanReaper({
    sys,
    isLibuvChild: (pid) => libuv.has(pid),
    log: () => {},
    now: () => clock,
    later: (_ms, fn) => {
      retries.push(fn);
      return () => retries.splice(retries.indexOf(fn), 1);
    },
  });
  return { r, retries };
}

const EXIT0: ExitStatus = { kind: 'exited', code: 0 };

describe('OrphanReaper', () => {
  it('reaps every exited orphan in one pass', () => {
    const sys = fakeSys(
      new Map([
        [10, EXIT0],
        [11, EXIT0],
        [12, EXIT0],
      ]),
    );
    reaper(sys, new Set()).r.reapAll();
    expect(sys.reaped).toEqual([10, 11, 12]);
  });

  it('gives a watched pid its exit status', () => {
    const status: ExitStatus = { kind: 'signalled', signal: 9, coreDumped: false };
    const sys = fakeSys(new Map([[20, status]]));
    const { r } = reaper(sys, new Set());
    const got: ExitStatus[] = [];
    r.watch(20, (s) => got.push(s));
    r.reapAll();
    expect(got).toEqual([status]);
  });

  it('reports a pid reaped before it was watched', () => {
    const sys = fakeSys(new Map([[21, { kind: 'exited', code: 4 }]]));
    const { r } = reaper(sys, new Set());
    r.reapAll();
    expect(r.recentlyReaped(21)).toBe(true);
    const got: ExitStatus[] = [];
    r.watch(21, (s) => got.push(s));
    expect(got).toEqual([{ kind: 'exited', code: 4 }]);
    expect(r.recentlyReaped(21)).toBe(false);
  });

  it("leaves libuv's child alone, reaps the other exited children and retries later", () => {
    const zombies = new Map([
      [30, EXIT0],
      [31, EXIT0],
      [32, EXIT0],
    ]);
    const sys = fakeSys(zombies, [30, 31, 32]);
    const libuv = new Set([30]);
    const { r, retries } = reaper(sys, libuv);
    r.reapAll();
    expect(sys.reaped).toEqual([31, 32]);
    expect(zombies.has(30)).toBe(true);
    expect(retries).toHaveLength(1);
    // libuv reaps its child; the retry then finds nothing left to do.
    zombies.delete(30);
    libuv.delete(30);
    retries[0]();
    expect(sys.reaped).toEqual([31, 32]);
  });

  it('schedules one retry at a time while blocked', () => {
    const sys = fakeSys(new Map([[40, EXIT0]]));
    const { r, retries } = reaper(sys, new Set([40]));
    r.reapAll();
    r.reapAll();
    expect(retries).toHaveLength(1);
    expect(sys.reaped).toEqual([]);
  });

  it('forgets a reaped pid after a while, since the pid may be reused', () => {
    const sys = fakeSys(new Map([[22, EXIT0]]));
    const { r } = reaper(sys, new Set());
    r.reapAll();
    clock += 10001;
    expect(r.recentlyReaped(22)).toBe(false);
    const got: ExitStatus[] = [];
    r.watch(22, (s) => got.push(s));
    expect(got).toEqual([]);
  });

  it('does not call a cancelled watcher', () => {
    const sys = fakeSys(new Map([[50, EXIT0]]));
    const { r } = reaper(sys, new Set());
    const got: ExitStatus[] = [];
    r.watch(50, (s) => got.push(s)).cancel();
    r.reapAll();
    expect(got).toEqual([]);
    expect(r.recentlyReaped(50)).toBe(true);
  });
});

describe('exitStatusFromSiginfo', () => {
  it('decodes exited, killed and dumped codes', () => {
    expect(exitStatusFromSiginfo(1, 3)).toEqual({ kind: 'exited', code: 3 });
    expect(exitStatusFromSiginfo(2, 15)).toEqual({
      kind: 'signalled',
      signal: 15,
      coreDumped: false,
    });
    expect(exitStatusFromSiginfo(3, 11)).toEqual({
      kind: 'signalled',
      signal: 11,
      coreDumped: true,
    });
    expect(exitStatusFromSiginfo(5, 19)).toBeUndefined();
  });
});
