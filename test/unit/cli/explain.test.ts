// why, tree, graph and analyze against a fake connection: the text they make of a snapshot,
// their command lines, and what they say to a daemon without the dinit-ts extension.

import { FakePort, run } from './fake-port';
import type { ManagerSnapshot, ServiceExplanation } from '../../../src/model';

function svc(name: string, p: Partial<ServiceExplanation> = {}): ServiceExplanation {
  return {
    name,
    type: 'internal',
    state: 'started',
    targetState: 'started',
    markedActive: false,
    requiredBy: 1,
    pid: -1,
    stopReason: 'normal',
    dependsOn: [],
    times: {},
    restarts: 0,
    ...p,
  };
}

const SNAP: ManagerSnapshot = {
  now: 10_000,
  wallClock: 0,
  since: 1_000,
  services: [
    svc('boot', {
      markedActive: true,
      dependsOn: [
        { to: 'web', type: 'regular', holding: true, waiting: false },
        { to: 'late', type: 'after', holding: false, waiting: false },
      ],
      times: { starting: 1_000, launched: 3_000, started: 3_000 },
    }),
    svc('web', {
      type: 'process',
      pid: 42,
      restarts: 2,
      exitStatus: { kind: 'signalled', signal: 9, coreDumped: false },
      dependsOn: [{ to: 'db', type: 'milestone', holding: true, waiting: false }],
      times: { starting: 1_000, launched: 2_000, started: 3_000 },
    }),
    svc('db', { times: { starting: 1_000, launched: 1_000, started: 2_000 } }),
    svc('late', { state: 'stopped', targetState: 'stopped', requiredBy: 0, stopReason: 'failed' }),
  ],
};

const port = (): FakePort =>
  new FakePort().on('extensionVersion', () => 1).on('snapshot', () => SNAP);

describe('explanation commands', () => {
  test('why prints the activation chain, the last exit and the restarts', async () => {
    expect(await run(['why', 'db'], port())).toEqual({
      code: 0,
      err: '',
      out:
        'db: STARTED\n' +
        '  Required by: 1 dependent(s); chains to the root:\n' +
        '    boot [started explicitly] -depends-on-> web -depends-ms-> db\n' +
        '  Last exit: none recorded\n' +
        '  Restarts: 0\n' +
        '  Started: 1.000s after the daemon began, its own start took 1.000s; up 8.000s\n',
    });
    const web = (await run(['why', 'web'], port())).out;
    expect(web).toContain('  Process: pid 42\n  Last exit: killed by signal 9\n  Restarts: 2\n');
    expect((await run(['why', 'late'], port())).out).toBe(
      'late: FAILED\n' +
        '  Activation: not required (no explicit start, no dependent holds it)\n' +
        '  Last exit: none recorded\n' +
        '  Restarts: 0\n',
    );
  });

  test('tree and tree --reverse show states and link kinds', async () => {
    expect((await run(['tree', 'boot'], port())).out).toBe(
      'boot STARTED\n' +
        '├─ depends-on: web STARTED\n' +
        '│  └─ depends-ms: db STARTED\n' +
        '└─ after: late FAILED\n',
    );
    expect((await run(['tree', '-r', 'db'], port())).out).toBe(
      'db STARTED\n└─ depends-ms: web STARTED\n   └─ depends-on: boot STARTED\n',
    );
  });

  test('tree expands a service reached by several paths once, where it first appears', async () => {
    // A layered graph: every service of one layer depends on every one of the next. Expanded
    // per path it would print 4^4 leaves; expanded once per service it prints each once.
    const layers = [0, 1, 2, 3, 4].map((l) => ['a', 'b', 'c', 'd'].map((x) => `${x}${l}`));
    const services = layers.flatMap((layer, l) =>
      layer.map((name) =>
        svc(name, {
          dependsOn: (layers[l + 1] ?? []).map((to) => ({
            to,
            type: 'regular' as const,
            holding: true,
            waiting: false,
          })),
        }),
      ),
    );
    const top = svc('top', {
      dependsOn: layers[0].map((to) => ({
        to,
        type: 'regular' as const,
        holding: true,
        waiting: false,
      })),
    });
    const layered = new FakePort()
      .on('extensionVersion', () => 1)
      .on('snapshot', () => ({ ...SNAP, services: [top, ...services] }));
    const lines = (await run(['tree', 'top'], layered)).out.trimEnd().split('\n');
    const expanded = lines.filter((l) => !l.endsWith('(...)'));
    // top, then each of the 20 services expanded exactly once.
    expect(expanded).toHaveLength(21);
    expect(new Set(expanded.map((l) => /(\w+) STARTED$/.exec(l)?.[1])).size).toBe(21);
    // The first path goes all the way down; later paths show what is expanded above as (...).
    expect(lines.slice(0, 7)).toEqual([
      'top STARTED',
      '├─ depends-on: a0 STARTED',
      '│  ├─ depends-on: a1 STARTED',
      '│  │  ├─ depends-on: a2 STARTED',
      '│  │  │  ├─ depends-on: a3 STARTED',
      '│  │  │  │  ├─ depends-on: a4 STARTED',
      '│  │  │  │  ├─ depends-on: b4 STARTED',
    ]);
    expect(lines).toContain('│  ├─ depends-on: b1 STARTED');
    expect(lines).toContain('│  │  │  ├─ depends-on: a3 STARTED (...)');
    expect(lines.length).toBeLessThan(120);
  });

  test('analyze blame and critical-chain read the start times', async () => {
    expect((await run(['analyze', 'blame'], port())).out).toBe(
      '1.000s db\n1.000s web\n0.000s boot\n',
    );
    expect((await run(['analyze', 'critical-chain'], port())).out.split('\n').slice(2)).toEqual([
      'boot @2.000s',
      '└─web @2.000s +1.000s',
      '  └─db @1.000s +1.000s',
      '',
    ]);
  });

  test('graph defaults to dot; analyze needs one of its three words', async () => {
    expect((await run(['graph'], port())).out).toContain('"web" -> "db" [label="depends-ms"');
    expect(await run(['analyze', 'nonsense'])).toMatchObject({ code: 1 });
    expect(await run(['graph', '--format'])).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: --format should be followed by dot, svg or json\n',
    });
  });

  test('a daemon without the dinit-ts extension is named as not supporting the command', async () => {
    const p = new FakePort().on('extensionVersion', () => null);
    expect(await run(['tree', 'x'], p)).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: tree: not supported by this daemon (it does not speak the dinit-ts protocol extension)\n',
    });
  });
});
