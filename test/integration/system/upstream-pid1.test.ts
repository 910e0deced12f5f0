// Drop-in as the system's init, both ways, in PID + mount namespaces: upstream's dinitctl and
// shutdown drive our init and manager, and our dinitctl and dinit-shutdown drive upstream's dinit
// as PID 1. reboot(2) in a PID namespace ends it with SIGINT (halt, power off) or SIGHUP
// (reboot), which tells the type apart as far as the kernel sees it; "Will halt." and the
// arguments upstream's dinit hands its shutdown program tell halt from power off. Inside each
// namespace umount and swapoff are no-ops (upstream's shutdown would otherwise remount shared
// file systems read-only), /dev/console is a file, /usr/sbin/shutdown records its arguments and
// runs upstream's, and upstream's dinit runs without CAP_SYSLOG (it would turn the host's kernel
// console logging off). Skipped without DINIT_UPSTREAM_BINDIR or namespaces.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DINITCTL,
  DINIT_SHUTDOWN,
  bootNs,
  procInfo,
  waitFor,
  whyNoNamespaces,
  type BootOptions,
  type NsBoot,
} from './ns-harness';
import { bindDgramReceiver } from '../../support/unix-dgram';

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUp =
  UP !== '' && ['dinit', 'dinitctl', 'shutdown'].every((b) => fs.existsSync(path.join(UP, b)));
const why =
  whyNoNamespaces() ??
  (haveUp
    ? undefined
    : "set DINIT_UPSTREAM_BINDIR to upstream's build (dinit, dinitctl, shutdown)");
const describeUp = why === undefined ? describe : describe.skip;
if (why !== undefined) console.log(`upstream PID 1 cross-checks skipped: ${why}`);

/** A small system: two long-running services, a scripted one, and one whose exec fails. */
const tree: Record<string, string> = {
  boot: 'type = internal\nwaits-for = getty\nwaits-for = logger\nwaits-for = bad\n',
  getty: 'type = process\ncommand = /bin/sleep 1000\ndepends-on = once\n',
  logger: 'type = process\ncommand = /bin/sleep 1001\n',
  once: 'type = scripted\ncommand = /bin/true\n',
  bad: 'type = process\ncommand = /nonexistent/daemon\n',
};

/** The helper programs the namespaces bind over the system's (made once per run). */
let tools = '';

function makeTools(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-up-pid1-'));
  fs.writeFileSync(path.join(dir, 'noop'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(dir, 'shutdown'),
    `#!/bin/sh\necho "$*" >> "$OUT_DIR/shutdown-args"\nexec ${path.join(UP, 'shutdown')} "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

const setup = (dir: string): string =>
  [
    `: > ${dir}/console`,
    `mount --bind ${dir}/console /dev/console`,
    `mount --bind ${tools}/noop /bin/umount`,
    `mount --bind ${tools}/noop /sbin/swapoff`,
    `mount --bind ${tools}/shutdown /usr/sbin/shutdown`,
  ].join(' && ');

type Init = 'ours' | 'upstream';

/**
 * Also a private /dev (a tmpfs with the host's null, zero, random, urandom and tty bound in),
 * where /dev/log is free for a test's receiver.
 */
const devSetup = (dir: string): string =>
  [
    'mkdir /run/hostdev && mount --bind /dev /run/hostdev && mount -t tmpfs tmpfs /dev',
    ...['null', 'zero', 'random', 'urandom', 'tty', 'console'].map(
      (n) => `: > /dev/${n} && mount --bind /run/hostdev/${n} /dev/${n}`,
    ),
    'umount -l /run/hostdev',
    setup(dir),
  ].join(' && ');

function boot(
  init: Init,
  how: (dir: string) => string = setup,
  extra: Record<string, string> = {},
): Promise<NsBoot> {
  const opts: BootOptions = { setup: how, systemSocket: true };
  if (init === 'upstream') {
    opts.dinit = path.join(UP, 'dinit');
    opts.initComm = 'dinit';
    opts.execPrefix = ['setpriv', '--bounding-set', '-syslog', '--'];
  }
  return bootNs(['--console-level', 'info'], { ...tree, ...extra }, opts);
}

/** What the namespace printed: ours on stdout/stderr, upstream's dinit on /dev/console. */
const consoleOf = (b: NsBoot): string =>
  b.output() +
  (fs.existsSync(`${b.dir}/console`) ? fs.readFileSync(`${b.dir}/console`, 'utf8') : '');

type Client = 'ours' | 'upstream';

function dinitctl(client: Client, b: NsBoot, ...args: string[]): string {
  const [cmd, pre] =
    client === 'ours' ? ['node', [DINITCTL]] : [path.join(UP, 'dinitctl'), [] as string[]];
  const r = spawnSync(cmd, [...pre, '-p', b.socket, ...args], { encoding: 'utf8', timeout: 20000 });
  return `$ dinitctl ${args.join(' ')}\n${r.stdout}${r.stderr}[${r.status}]\n`;
}

/** list and status of every service, pids replaced by N. */
function transcript(client: Client, b: NsBoot): string {
  let t = dinitctl(client, b, 'list');
  for (const s of Object.keys(tree)) t += dinitctl(client, b, 'status', s);
  t += dinitctl(client, b, 'is-started', 'getty') + dinitctl(client, b, 'is-failed', 'bad');
  return t.replace(/(Process ID: |pid: )\d+/g, '$1N');
}

/** Waits until boot has started (upstream's dinitctl asks: it works against both). */
const ready = (b: NsBoot): Promise<boolean> =>
  waitFor(() => dinitctl('upstream', b, 'is-started', 'boot').endsWith('[0]\n'), 15000);

describeUp("upstream's tools and ours, each against the other's init as PID 1", () => {
  jest.setTimeout(120000);
  let b: NsBoot | undefined;
  let reference = '';
  beforeAll(() => {
    tools = makeTools();
  });
  afterAll(() => fs.rmSync(tools, { recursive: true, force: true }));
  afterEach(async () => {
    await b?.cleanup();
    b = undefined;
  });

  it("upstream's dinitctl reads upstream's dinit as PID 1 (the reference)", async () => {
    b = await boot('upstream');
    expect(await ready(b)).toBe(true);
    reference = transcript('upstream', b);
    expect(reference).toContain('[{+}     ] getty');
    expect(reference).toMatch(/\$ dinitctl status bad\n[^$]*Stage: executing command/);
  });

  it("upstream's dinitctl reads our manager under our init as upstream's", async () => {
    b = await boot('ours');
    expect(procInfo(b.init)?.comm).toBe('dinit-init');
    expect(await ready(b)).toBe(true);
    expect(transcript('upstream', b)).toBe(reference);
  });

  it("our dinitctl reads upstream's dinit as PID 1 as upstream's does", async () => {
    b = await boot('upstream');
    expect(await ready(b)).toBe(true);
    expect(transcript('ours', b)).toBe(reference);
  });

  const shutdownUp = (flag: string): string[] => [path.join(UP, 'shutdown'), flag];
  const shutdownOurs = (flag: string): string[] => ['node', DINIT_SHUTDOWN, flag];
  const ctlShutdown = (client: Client): string[] =>
    client === 'ours' ? ['node', DINITCTL, 'shutdown'] : [path.join(UP, 'dinitctl'), 'shutdown'];

  /** [name, how to ask, expected namespace signal, "Will ..." line, upstream's shutdown flag] */
  const cases: [string, (c: Client) => string[], NodeJS.Signals, string, string][] = [
    [
      'shutdown -h',
      (c) => (c === 'ours' ? shutdownOurs : shutdownUp)('-h'),
      'SIGINT',
      'Will halt.',
      '-h',
    ],
    [
      'shutdown -p',
      (c) => (c === 'ours' ? shutdownOurs : shutdownUp)('-p'),
      'SIGINT',
      'Will power down.',
      '-p',
    ],
    [
      'shutdown -r',
      (c) => (c === 'ours' ? shutdownOurs : shutdownUp)('-r'),
      'SIGHUP',
      'Will reboot.',
      '-r',
    ],
    ['dinitctl shutdown', ctlShutdown, 'SIGINT', 'Will halt.', '-h'],
  ];

  it('sends the same syslog datagrams as upstream as PID 1, from "Starting system" on', async () => {
    const got: Record<Init, string[]> = { ours: [], upstream: [] };
    for (const init of ['upstream', 'ours'] as Init[]) {
      // A private /dev with /dev/log free: the receiver binds it through the namespace's root.
      b = await boot(init, devSetup, { syslogd: 'type = internal\noptions = starts-log\n' });
      const nb = b;
      expect(await ready(nb)).toBe(true);
      const receiver = bindDgramReceiver(`/proc/${nb.init}/root/dev/log`);
      try {
        expect(dinitctl('upstream', nb, 'start', 'syslogd')).toMatch(/\[0\]\n$/);
        expect(dinitctl('upstream', nb, 'stop', 'logger')).toMatch(/\[0\]\n$/);
        const all: string[] = [];
        expect(
          await waitFor(() => {
            all.push(...receiver.receive());
            return all.some((m) => m.includes('service logger stopped.'));
          }, 10000),
        ).toBe(true);
        // dinit-ts alone names its native launcher (a notice upstream has no counterpart for).
        got[init] = all.filter((m) => !m.includes('native spawner'));
      } finally {
        receiver.close();
        await nb.cleanup();
        b = undefined;
      }
    }
    if (process.env.DINIT_E2E_SHOW) console.log(JSON.stringify(got, null, 1));
    expect(got.upstream[0]).toBe('<29>dinit: Starting system\n');
    expect(got.upstream).toContain('<29>dinit: service syslogd started.\n');
    // Services start in an order both may choose differently; each message must be there.
    expect([...got.ours].sort()).toEqual([...got.upstream].sort());
    expect(got.ours[0]).toBe(got.upstream[0]);
    expect(got.ours.at(-1)).toBe(got.upstream.at(-1));
  });

  describe.each([
    ['upstream', 'ours'],
    ['ours', 'upstream'],
    ['upstream', 'upstream'],
  ] as [Client, Init][])('%s tools against %s init', (client, init) => {
    it.each(cases)('%s', async (_name, how, signal, will, flag) => {
      b = await boot(init);
      const nb = b;
      expect(await ready(nb)).toBe(true);
      const before = nb.pids();
      // From inside the namespace: upstream's shutdown knows only the system socket.
      nb.inside(how(client));
      const end = await nb.exited;
      expect(end.signal ?? end.code).toBe(signal);
      expect(before.filter((p) => procInfo(p) !== undefined)).toEqual([]);
      expect(consoleOf(nb)).toContain(`No more active services. ${will}`);
      if (init === 'upstream') {
        // What upstream's dinit asked its shutdown program for.
        expect(fs.readFileSync(`${nb.dir}/shutdown-args`, 'utf8')).toBe(`--system ${flag}\n`);
      }
    });
  });
});
