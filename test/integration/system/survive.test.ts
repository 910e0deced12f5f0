// The manager survives its own crash: `kill -9` of the Node manager, or daemon-reexec (SIGUSR2 or
// dinitctl daemon-reexec), in a namespace booted with dinit as PID 1. A new manager takes every
// service back from the journal through pidfds (same PIDs, no restarts), answers with the same
// states, reads on from the buffered-output pipes the init held, binds an sd_notify service's
// socket again, and sees later exits. Skipped where unshare cannot make namespaces.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  answers,
  bootNs,
  procInfo,
  runsNode,
  waitFor,
  whyNoNamespaces,
  type NsBoot,
} from './ns-harness';
import { FIXTURES } from '../../support/daemon';

const why = whyNoNamespaces();
const describeNs = why === undefined ? describe : describe.skip;
if (why !== undefined) console.log(`manager survival tests skipped: ${why}`);

/** A small system: a getty-like service, a chatty logger with a buffered log, a forking daemon,
 * a scripted service that has run, a service started only as a dependency, and an sd_notify
 * daemon that pings its watchdog (fixtures/linux/sd-notify.py). */
const tree = (dir: string): Record<string, string> => ({
  boot:
    'type = internal\nwaits-for = getty\nwaits-for = chatty\nwaits-for = daemon\n' +
    'waits-for = once\nwaits-for = web\n',
  getty: 'type = process\ncommand = /usr/bin/script -q -c "/bin/sleep 1000" /dev/null\n',
  chatty: `type = process\nlog-type = buffer\ndepends-on = helper\ncommand = /bin/sh ${chatty(dir)}\n`,
  helper: 'type = process\ncommand = /bin/sleep 1003\n',
  daemon:
    'type = bgprocess\n' +
    `command = /bin/sh -c "/bin/sleep 1002 & echo $$! > ${dir}/daemon.pid"\n` +
    `pid-file = ${dir}/daemon.pid\n`,
  once: `type = scripted\ncommand = /bin/sh -c "echo ran >> ${dir}/once.out"\n`,
  web:
    'type = process\nready-notification = notify\nwatchdog-timeout = 1\n' +
    `command = ${path.join(FIXTURES, 'sd-notify.py')} ${notifyDir(dir)}\n`,
});

/** The sd_notify fixture's directory, with the file that lets it say READY=1 at once. */
function notifyDir(dir: string): string {
  const out = path.join(dir, 'web');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'go'), '');
  return out;
}

function chatty(dir: string): string {
  const file = path.join(dir, 'chatty.sh');
  fs.writeFileSync(file, 'i=0; while :; do i=$((i+1)); echo line $i; sleep 0.05; done\n');
  return file;
}

const SERVICES = ['boot', 'getty', 'chatty', 'helper', 'daemon', 'once', 'web'];

/** Process ID of each service, from dinitctl status. */
function pidsOf(b: NsBoot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of SERVICES) {
    const m = /Process ID: (\d+)/.exec(b.ctl('status', s).stdout);
    out[s] = m ? m[1] : '-';
  }
  return out;
}

/** The numbers of the "line N" output in chatty's buffer. */
function lines(b: NsBoot): number[] {
  return [...b.ctl('catlog', 'chatty').stdout.matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
}

/** True when every number follows the one before it. */
const contiguous = (ns: number[]): boolean => ns.every((n, i) => i === 0 || n === ns[i - 1] + 1);

describeNs('the manager survives its own crash', () => {
  jest.setTimeout(60000);
  let boot: NsBoot | undefined;
  afterEach(async () => {
    await boot?.cleanup();
    boot = undefined;
  });

  /** Boots the tree and waits for every service; returns the boot and the list it shows. */
  async function booted(): Promise<{ b: NsBoot; list: string; pids: Record<string, string> }> {
    boot = await bootNs([], tree);
    const b = boot;
    expect(await waitFor(() => b.ctl('is-started', 'boot').status === 0, 15000)).toBe(true);
    expect(await waitFor(() => lines(b).length > 3, 5000)).toBe(true);
    return { b, list: b.ctl('list').stdout, pids: pidsOf(b) };
  }

  /** After the new manager answers: same list, same pids, logging on, a stop that is seen. */
  function expectTakenBack(b: NsBoot, list: string, pids: Record<string, string>): void {
    expect(b.ctl('list').stdout).toBe(list);
    expect(pidsOf(b)).toEqual(pids);
    // Nothing ran twice: the scripted service's command ran once, one process per service.
    expect(b.inside(['cat', path.join(b.dir, 'once.out')]).stdout).toBe('ran\n');
    expect(b.pids().filter((p) => procInfo(p)?.comm === 'script')).toHaveLength(1);
    expect(b.output()).not.toMatch(/could not be loaded again/);
  }

  /**
   * The sd_notify service is heard by the new manager: the text it sent before, then a new one,
   * and its pings, which keep it running past its watchdog timeout of a second.
   */
  async function expectNotifyHeard(b: NsBoot, pids: Record<string, string>): Promise<void> {
    const why = (): string => b.ctl('why', 'web').stdout;
    expect(why()).toContain('Status (sd_notify): serving');
    fs.writeFileSync(path.join(b.dir, 'web', 'status'), 'after');
    expect(await waitFor(() => why().includes('Status (sd_notify): after'), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 2500));
    expect(pidsOf(b).web).toBe(pids.web);
  }

  async function expectStopSeen(b: NsBoot): Promise<void> {
    expect(b.ctl('stop', 'getty').status).toBe(0);
    expect(b.ctl('status', 'getty').stdout).toMatch(/State: STOPPED/);
    // The dependency chain stops in order too: helper takes chatty down with it.
    expect(b.ctl('stop', '--force', 'helper').status).toBe(0);
    expect(b.ctl('is-started', 'chatty').status).not.toBe(0);
    expect(b.ctl('status', 'helper').stdout).toMatch(/State: STOPPED/);
  }

  it('kill -9 of the manager: the init starts a new one that takes every service back', async () => {
    const { b, list, pids } = await booted();
    const old = b.manager() as number;
    const before = lines(b);
    const t0 = process.hrtime.bigint();
    process.kill(old, 'SIGKILL');
    const back = await waitFor(() => {
      const m = b.manager();
      return m !== undefined && m !== old;
    }, 5000);
    expect(back).toBe(true);
    let answering = false;
    const end = Date.now() + 5000;
    while (!answering && Date.now() < end) answering = await answers(b.socket);
    expect(answering).toBe(true);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`manager crash to control socket answering: ${ms.toFixed(0)} ms`);
    expectTakenBack(b, list, pids);
    // The log pipe outlived the crash (the init held it): the lines written meanwhile are there,
    // with no gap, and the writer never died of EPIPE (its pid is the same, above).
    expect(await waitFor(() => lines(b).length > 3, 3000)).toBe(true);
    const after = lines(b);
    expect(contiguous(after)).toBe(true);
    expect(after[after.length - 1]).toBeGreaterThan(before[before.length - 1]);
    await expectNotifyHeard(b, pids);
    await expectStopSeen(b);
  });

  /** The two ways to ask for daemon-reexec; each returns once the request is made. */
  const reexecBy: Array<[string, (b: NsBoot, mgr: number) => void]> = [
    ['SIGUSR2', (_b, mgr) => process.kill(mgr, 'SIGUSR2')],
    [
      'dinitctl daemon-reexec',
      (b) => {
        const r = b.ctl('daemon-reexec');
        expect([r.status, r.stdout]).toEqual([
          0,
          'Re-executing the service manager...\nService manager re-executed.\n',
        ]);
      },
    ],
  ];

  it.each(reexecBy)(
    'daemon-reexec (%s): the manager execs in place and takes every service back',
    async (_how, reexec) => {
      const { b, list, pids } = await booted();
      const mgr = b.manager() as number;
      const before = lines(b);
      // The new manager says again that boot is started (it has taken it back).
      const boots = (): number => b.output().split('[  OK  ] boot\n').length - 1;
      reexec(b, mgr);
      expect(await waitFor(() => boots() === 2, 5000)).toBe(true);
      expect(await waitFor(() => b.ctl('list').stdout === list, 5000)).toBe(true);
      expect(b.manager()).toBe(mgr);
      expect(runsNode(mgr)).toBe(true);
      expectTakenBack(b, list, pids);
      const after = lines(b);
      expect(contiguous(after)).toBe(true);
      expect(after[after.length - 1]).toBeGreaterThan(before[before.length - 1]);
      await expectNotifyHeard(b, pids);
      await expectStopSeen(b);
    },
  );
});
