// dinit -o as PID 1 of a PID namespace (a container's init): SIGTERM and SIGINT stop every
// service in order and exit 0 with every process gone and reaped; a boot that failed exits 1; a
// killed manager that keeps dying exits 128+signal. The parts of tini's and dumb-init's
// acceptance matrices that apply to a service manager (zombie reaping, signal handling, exit
// status a runtime can act on). Skipped where unshare cannot make namespaces.

import { bootNs, procInfo, waitFor, whyNoNamespaces, type NsBoot } from './ns-harness';

const why = whyNoNamespaces();
const describeNs = why === undefined ? describe : describe.skip;
if (why !== undefined) console.log(`container tests skipped: ${why}`);

const tree: Record<string, string> = {
  boot: 'type = internal\ndepends-on = web\nwaits-for = worker\n',
  web: 'type = process\ncommand = /bin/sleep 1000\n',
  // A service that forks a child and leaves it behind (an orphan for the init to reap).
  worker: 'type = process\ncommand = /bin/sh -c "/bin/sleep 1001 & exec /bin/sleep 1002"\n',
};

describeNs('dinit -o as the init of a container', () => {
  jest.setTimeout(60000);
  let boot: NsBoot | undefined;
  afterEach(async () => {
    await boot?.cleanup();
    boot = undefined;
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops every service in order and exits 0 with every process gone',
    async (sig) => {
      boot = await bootNs(['-o'], tree);
      const b = boot;
      expect(await waitFor(() => b.ctl('is-started', 'boot').status === 0, 15000)).toBe(true);
      const before = b.pids();
      expect(before.length).toBeGreaterThanOrEqual(5);
      process.kill(b.init, sig);
      const end = await b.exited;
      expect(end).toEqual({ code: 0, signal: null });
      expect(before.filter((p) => procInfo(p) !== undefined)).toEqual([]);
      expect(b.output()).not.toMatch(/did not stop in time/);
    },
  );

  it('exits 1 when the boot service fails to start', async () => {
    boot = await bootNs(
      ['-o'],
      { boot: 'type = process\ncommand = /nonexistent\n' },
      {
        waitSocket: false,
      },
    );
    const end = await boot.exited;
    expect(end).toEqual({ code: 1, signal: null });
  });

  it('exits 128+signal when the manager keeps being killed', async () => {
    boot = await bootNs(['-o'], tree);
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'boot').status === 0, 15000)).toBe(true);
    // Five deaths within a minute: the init gives up and passes the signal on in its status.
    for (let i = 0; i < 5; i++) {
      let m: number | undefined;
      await waitFor(() => (m = b.manager()) !== undefined, 10000);
      if (m === undefined) break;
      process.kill(m, 'SIGKILL');
      await waitFor(() => b.manager() !== m, 10000);
    }
    const end = await b.exited;
    expect(end).toEqual({ code: 128 + 9, signal: null });
  });
});
