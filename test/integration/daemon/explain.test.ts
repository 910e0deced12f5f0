// The explanation commands (why, tree, graph, analyze) against the real daemon and real
// processes, through the dinit-ts protocol extension; against upstream's daemon, when
// DINIT_UPSTREAM_BINDIR names its build, they say the daemon does not support them.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, isBuilt, sandboxAll, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { spawnSync } from 'node:child_process';
import { valid } from '../../support/schema';

const describeBuilt = isBuilt() ? describe : describe.skip;

describeBuilt('why, tree, graph and analyze on the real daemon', () => {
  const sb = sandboxAll('dinit-explain-');
  let d: Dinit;

  beforeAll(async () => {
    sb.service('boot', 'type = internal', 'depends-on = web', 'waits-for = crash');
    sb.service(
      'web',
      'type = process',
      'depends-on = db',
      'log-type = buffer',
      'command = /bin/sh -c "echo hello-from-web; exec sleep 1000"',
    );
    sb.service('db', 'type = process', 'command = /bin/sleep 1000');
    // Exits with status 3 the first time, then stays up: one automatic restart.
    sb.service(
      'crash',
      'type = process',
      'restart = yes',
      'restart-delay = 0.1',
      `command = /bin/sh -c "if [ -e ${sb.path('ran')} ]; then exec sleep 1000; fi; touch ${sb.path('ran')}; exit 3"`,
    );
    d = await sb.start();
    await eventually('one restart of crash', () =>
      d.ctl('why', 'crash').stdout.includes('Restarts: 1'),
    );
  });

  test('why names the chain up to the explicitly started root, the process and the log', () => {
    const r = d.ctl('why', 'db');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'db: STARTED',
      '  Required by: 1 dependent(s); chains to the root:',
      '    boot [started explicitly] -depends-on-> web -depends-on-> db',
    ]);
    expect(lines[3]).toMatch(/^ {2}Process: pid \d+$/);
    expect(d.ctl('why', 'web').stdout).toContain('  Last log lines:\n    hello-from-web\n');
    expect(d.ctl('why', 'boot').stdout).toContain('  Activation: started explicitly');
  });

  test('why reports the last exit status and the restarts of a restarted service', () => {
    const out = d.ctl('why', 'crash').stdout;
    expect(out).toContain('  Last exit: exited with status 3\n');
    expect(out).toContain('  Restarts: 1\n');
    expect(out).toContain('boot [started explicitly] -waits-for-> crash');
  });

  test('tree shows dependencies with states and kinds, and dependents with --reverse', () => {
    expect(d.ctlOut('tree', 'boot')).toEqual({
      status: 0,
      out:
        'boot STARTED\n' +
        '├─ depends-on: web STARTED\n' +
        '│  └─ depends-on: db STARTED\n' +
        '└─ waits-for: crash STARTED\n',
    });
    expect(d.ctlOut('tree', '--reverse', 'db')).toEqual({
      status: 0,
      out: 'db STARTED\n└─ depends-on: web STARTED\n   └─ depends-on: boot STARTED\n',
    });
  });

  test('graph draws every loaded service and link, as dot and as SVG', () => {
    const dot = d.ctl('graph').stdout;
    expect(dot).toContain('"web" -> "db" [label="depends-on", style=solid];');
    expect(dot).toContain('"boot" -> "crash" [label="waits-for", style=dashed];');
    const svg = d.ctl('graph', '--format', 'svg').stdout;
    expect(svg.startsWith('<?xml')).toBe(true);
    for (const name of ['boot', 'web', 'db', 'crash']) expect(svg).toContain(`>${name}</text>`);
    expect(d.ctlOut('graph', '--format', 'png')).toEqual({
      status: 1,
      out: 'dinitctl: unknown graph format: png (dot, svg or json)\n',
    });
  });

  test('--json answers of why, tree, graph and analyze follow the schema', () => {
    const why = valid('why', d.ctl('why', '--json', 'db').stdout);
    expect(why).toMatchObject({ name: 'db', state: 'started', explicit: false, requiredBy: 1 });
    expect(why.chains).toEqual([
      [{ name: 'boot', via: 'depends-on' }, { name: 'web', via: 'depends-on' }, { name: 'db' }],
    ]);
    expect(why.pid).toBeGreaterThan(0);
    const crash = valid('why', d.ctl('why', '--json', 'crash').stdout);
    expect(crash).toMatchObject({ restarts: 1, exit: { status: 3 } });
    expect(valid('why', d.ctl('why', '--json', 'web').stdout).log).toEqual(['hello-from-web']);

    const tree = valid('tree', d.ctl('tree', '--json', 'boot').stdout);
    expect(tree.children.map((c: { link: string; name: string }) => `${c.link}:${c.name}`)).toEqual(
      ['depends-on:web', 'waits-for:crash'],
    );
    expect(tree.children[0].children[0]).toEqual({
      name: 'db',
      state: 'STARTED',
      link: 'depends-on',
      children: [],
    });

    const graph = valid('graph', d.ctl('graph', '--format', 'json').stdout);
    const web = graph.services.find((s: { name: string }) => s.name === 'web');
    expect(web.dependsOn).toEqual([{ to: 'db', type: 'depends-on' }]);

    const blame = valid('timing', d.ctl('analyze', '--json', 'blame').stdout);
    expect(blame.map((r: { service: string }) => r.service).sort()).toEqual([
      'boot',
      'crash',
      'db',
      'web',
    ]);
    const chain = valid('timing', d.ctl('analyze', '--json', 'critical-chain', 'web').stdout);
    expect(chain.map((r: { service: string }) => r.service)).toEqual(['web', 'db']);
  });

  test('analyze blame, critical-chain and plot come from the recorded start times', () => {
    const blame = d.ctl('analyze', 'blame').stdout.trim().split('\n');
    expect(blame.map((l) => l.trim().split(' ')[1]).sort()).toEqual(['boot', 'crash', 'db', 'web']);
    const chain = d.ctl('analyze', 'critical-chain').stdout.split('\n');
    expect(chain[2]).toMatch(/^boot @\d+\.\d{3}s/);
    expect(chain.slice(3).some((l) => /└─(web|crash) @/.test(l))).toBe(true);
    expect(d.ctl('analyze', 'critical-chain', 'db').stdout).toMatch(/\ndb @\d+\.\d{3}s/);
    const plot = d.ctl('analyze', 'plot').stdout;
    expect(plot).toContain('<svg');
    expect(plot).toContain('>web</text>');
  });

  test('a service that is not loaded is an error', () => {
    expect(d.ctlOut('why', 'nosuch')).toEqual({
      status: 1,
      out: 'dinitctl: service not loaded: nosuch\n',
    });
  });
});

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUpstream = UP !== '' && fs.existsSync(path.join(UP, 'dinit'));

(haveUpstream && isBuilt() ? describe : describe.skip)('against upstream dinit', () => {
  const sb = sandboxAll('dinit-explain-up-');

  test('the explanation commands say the daemon does not support them', async () => {
    sb.service('boot', 'type = internal');
    const up = await sb.start([], { dinit: path.join(UP, 'dinit') });
    const socket = up.socket;
    for (const args of [['why', 'boot'], ['tree', 'boot'], ['graph'], ['analyze', 'blame']]) {
      const r = spawnSync(DINITCTL, ['-p', socket, ...args], { encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: `dinitctl: ${args[0]}: not supported by this daemon (it does not speak the dinit-ts protocol extension)\n`,
      });
    }
    // The daemon is unharmed: upstream's answers go on as before.
    expect(
      spawnSync(DINITCTL, ['-p', socket, 'is-started', 'boot'], { encoding: 'utf8' }).stdout,
    ).toBe('STARTED\n');
    await up.stop();
  });
});
