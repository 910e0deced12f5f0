// Loading and runtime changes: iterative loading (a 100,000-deep chain), cycles, placeholders,
// dependency directories, unload, reload rules, shutdown, signal, listener events.

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';
import { ServiceLoadError } from '../../../src/errors';

describe('loading', () => {
  test('a depends-on chain of 100,000 services loads, starts and stops without recursion', () => {
    const h = new Harness();
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      h.add(desc(`s${i}`, { dependsOn: i + 1 < N ? [`s${i + 1}`] : [] }));
    }
    h.start('s0');
    expect(h.set.list()).toHaveLength(N);
    expect(h.state('s0')).toBe('started');
    expect(h.state(`s${N - 1}`)).toBe('started');
    expect(h.set.countActive()).toBe(N);
    h.stop(`s${N - 1}`);
    expect(h.state('s0')).toBe('stopped');
    expect(h.set.countActive()).toBe(0);
  });

  test('a chain of 100,000 explicitly started services stops and shuts down without recursion', () => {
    const h = new Harness();
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      h.add(desc(`s${i}`, { dependsOn: i + 1 < N ? [`s${i + 1}`] : [] }));
    }
    h.set.load('s0');
    for (let i = N - 1; i >= 0; i--) h.start(`s${i}`);
    h.stop(`s${N - 1}`);
    expect(h.state('s0')).toBe('stopped');
    expect(h.set.countActive()).toBe(0);
    for (let i = 0; i < N; i++) h.start(`s${i}`);
    expect(h.set.countActive()).toBe(N);
    h.set.shutdown('halt');
    expect(h.set.countActive()).toBe(0);
  });

  test('pins, restart, failure and unload over a 100,000-deep chain act as on a short one', () => {
    // The same scenario on a chain of 3 and of 100,000: the observations must be equal, and the
    // long one must not overflow the stack.
    const scenario = (N: number): unknown[] => {
      const h = new Harness();
      const last = `s${N - 1}`;
      // restart = yes everywhere (upstream's default): the chain comes back after a restart.
      for (let i = 0; i < N - 1; i++) {
        h.add(desc(`s${i}`, { dependsOn: [`s${i + 1}`], restart: 'yes' }));
      }
      h.add(
        desc(last, {
          type: 'process',
          restart: 'yes',
          readyNotification: { kind: 'pipefd', fd: 3 },
        }),
      );
      const seen: unknown[] = [];
      const look = (): void => {
        seen.push([h.state('s0'), h.state(`s${N - 2}`), h.state(last), h.status('s0').stopReason]);
      };
      // A start pin propagates down the whole chain; unpin releases it again.
      h.start('s0', true);
      h.os.ready(last);
      look();
      seen.push(h.stop(last, {}));
      h.set.unpin(h.ref('s0'));
      // The deepest service restarting takes its dependents down and back up.
      h.os.advance(1000);
      h.os.exit(last, 1);
      look();
      h.os.ready(last);
      look();
      // Its failing to start fails every dependent.
      h.stop(last);
      h.os.exit(last, signalled(15));
      look();
      h.start('s0');
      h.os.exit(last, 1);
      look();
      // Unloading from the head down leaves nothing behind.
      for (let i = 0; i < N; i++) seen.push(h.set.unload(h.ref(`s${i}`)));
      seen.push(h.set.list().length);
      return seen.filter((x, k) => k < 8 || x !== 'ok');
    };
    const short = scenario(3);
    const up = ['started', 'started', 'started', 'normal'];
    const failed = ['stopped', 'stopped', 'stopped', 'depfailed'];
    expect(short).toEqual([
      up,
      'pinned-started',
      ['starting', 'starting', 'starting', 'normal'],
      up,
      failed,
      failed,
      'ok',
      'ok',
      0,
    ]);
    expect(scenario(100_000)).toEqual(short);
  });

  test('status reports the description file and its load-time mtime, to the nanosecond', () => {
    const h = new Harness().add(
      desc('a', {
        file: '/sd/a',
        mtimeMs: 1_700_000_000_123.456,
        mtimeNs: 1_700_000_000_123_456_789n,
      }),
    );
    const st = h.status('a');
    expect(st.file).toBe('/sd/a');
    expect(st.loadedMtimeNs).toBe(1_700_000_000_123_456_789n);
    expect(st.loadedMtimeMs).toBe(1_700_000_000_123.456);
  });

  test('services are listed in the order their loading began', () => {
    const h = new Harness().add(
      desc('boot', { dependsOn: ['critical'] }),
      desc('critical', { dependsOn: ['intermediary'] }),
      desc('intermediary'),
    );
    h.set.load('boot');
    expect(h.set.list().map((r) => r.name)).toEqual(['boot', 'critical', 'intermediary']);
  });

  test('each service is loaded once', () => {
    const h = new Harness().add(
      desc('a', { dependsOn: ['b', 'c'] }),
      desc('b', { dependsOn: ['c'] }),
      desc('c'),
    );
    h.set.load('a');
    expect([...h.src.loads.values()]).toEqual([1, 1, 1]);
    expect(h.set.load('a')).toBe(h.set.find('a'));
  });

  test('a cycle is refused with upstream messages and nothing of it stays loaded', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b', { dependsOn: ['a'] }));
    let err: unknown;
    try {
      h.set.load('a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceLoadError);
    expect((err as ServiceLoadError).code).toBe('ERR_DINIT_SERVICE_LOAD');
    expect((err as ServiceLoadError).failure).toEqual({
      kind: 'load',
      name: 'a',
      message: 'could not load dependency.',
    });
    expect(h.host.logged('Could not load service a: has cyclic dependency.')).toBe(true);
    expect(h.host.logged('Could not load service b: could not load dependency.')).toBe(true);
    expect(h.set.find('a')).toBeUndefined();
    expect(h.set.find('b')).toBeUndefined();
  });

  test('a missing dependency fails the load', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['nope'] }));
    expect(() => h.set.load('a')).toThrow('could not load dependency.');
    expect(h.host.logged('Could not load service nope: service description not found.')).toBe(true);
  });

  test('a missing service is not-found', () => {
    const h = new Harness();
    try {
      h.set.load('nope');
      throw new Error('expected a failure');
    } catch (e) {
      expect((e as ServiceLoadError).failure).toEqual({ kind: 'not-found', name: 'nope' });
    }
  });

  test('a description error of a dependency is logged in upstream format', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['bad'] }));
    h.src.load = (name: string) => {
      if (name === 'bad') {
        throw new ServiceLoadError({
          kind: 'description',
          name: 'bad',
          message: 'unknown setting',
          file: '/d/bad',
          line: 3,
          setting: 'foo',
        });
      }
      const d = h.src.descs.get(name);
      if (!d) throw new ServiceLoadError({ kind: 'not-found', name });
      return d;
    };
    expect(() => h.set.load('a')).toThrow('could not load dependency.');
    expect(
      h.host.logged(
        "Error in service description for 'bad': setting 'foo' (file /d/bad, line 3): unknown setting",
      ),
    ).toBe(true);
  });

  test('before/after names that are not loaded become placeholders, replaced when loaded', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('top', { waitsFor: ['a', 'b'] }),
      desc('a', { after: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.set.load('a');
    expect(h.set.find('b')).toBeUndefined();
    expect(h.set.list().map((r) => r.name)).toEqual(['a']);
    h.start('top');
    expect(h.state('a')).toBe('starting');
    h.os.execOk('b');
    expect(h.state('a')).toBe('started');
  });

  test('a before link to a service still loading is no cycle (pseudo-cycle)', () => {
    const h = new Harness().add(
      desc('boot', { dependsOn: ['middle'] }),
      desc('middle', { dependsOn: ['service'] }),
      desc('service', { type: 'process', before: ['boot'] }),
    );
    h.start('boot');
    expect(h.os.launchesOf('service')).toHaveLength(1);
    h.os.exit('service', 0);
    expect(h.state('boot')).toBe('stopped');
    expect(h.set.list().map((r) => r.name)).toEqual(['boot', 'middle', 'service']);
  });

  test('a before link that would close a cycle is refused', () => {
    const h = new Harness().add(
      desc('a', { dependsOn: ['b'] }),
      desc('b'),
      desc('c', { dependsOn: ['a'], before: ['b'] }),
    );
    h.set.load('a');
    expect(() => h.set.load('c')).toThrow('has cyclic dependency.');
  });

  test('mutual after links are a cycle, found when the placeholder is replaced', () => {
    const h = new Harness().add(
      desc('ac', { dependsOn: ['ac1', 'ac2'] }),
      desc('ac1', { after: ['ac2'] }),
      desc('ac2', { after: ['ac1'] }),
    );
    expect(() => h.set.load('ac')).toThrow('could not load dependency.');
    expect(h.host.logged('Could not load service ac2: has cyclic dependency.')).toBe(true);
    expect(h.set.find('ac')).toBeUndefined();
  });

  test('before and after the same service is a cycle', () => {
    const h = new Harness().add(
      desc('ba', { dependsOn: ['ba1', 'ba2'] }),
      desc('ba1'),
      desc('ba2', { before: ['ba1'], after: ['ba1'] }),
    );
    expect(() => h.set.load('ba')).toThrow('could not load dependency.');
  });

  test('an after link to itself is a cycle', () => {
    const h = new Harness().add(desc('a', { after: ['a'] }));
    expect(() => h.set.load('a')).toThrow('has cyclic dependency.');
  });
});

test('entries the config loader read from a dependency directory are ignored when missing', () => {
  const h = new Harness().add(
    desc('boot', {
      dependencies: [
        { name: 'x', type: 'waits-for', fromDir: '/d/boot.d' } as never,
        { name: 'gone', type: 'waits-for', fromDir: '/d/boot.d' } as never,
      ],
    }),
    desc('x'),
  );
  h.start('boot');
  expect(h.state('x')).toBe('started');
  expect(
    h.host.logged(
      "Ignoring unresolved dependency 'gone' in dependency directory '/d/boot.d' for boot service.",
    ),
  ).toBe(true);
});

test('the unresolved-dependency warning names the directory as the setting wrote it', () => {
  const h = new Harness().add(
    desc('boot', {
      dependencies: [
        { name: 'gone', type: 'waits-for', fromDir: '/d/boot.d', fromDirSetting: 'boot.d' },
      ],
    }),
  );
  h.start('boot');
  expect(h.state('boot')).toBe('started');
  expect(
    h.host.logged(
      "Ignoring unresolved dependency 'gone' in dependency directory 'boot.d' for boot service.",
    ),
  ).toBe(true);
});

describe('unload and reload', () => {
  test('unload refuses a running service and one with dependents', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.start('a');
    expect(h.set.unload(h.ref('a'))).toBe('not-stopped');
    h.stop('a');
    expect(h.set.unload(h.ref('b'))).toBe('has-dependents');
    const a = h.ref('a');
    expect(h.set.unload(a)).toBe('ok');
    expect(h.set.find('a')).toBeUndefined();
    expect(() => h.set.status(a)).toThrow(expect.objectContaining({ code: 'ERR_DINIT_STALE_REF' }));
    expect(h.set.unload(h.ref('b'))).toBe('ok');
  });

  test('reload of a stopped service may change its type; dependents follow the new record', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.set.load('a');
    h.src.add(desc('b', { type: 'process' }));
    const r = h.set.reload(h.ref('b'));
    expect(r.ok).toBe(true);
    expect(h.status('b').type).toBe('process');
    h.start('a');
    expect(h.os.launchesOf('b')).toHaveLength(1);
    expect(h.state('a')).toBe('started');
  });

  test('reload cannot change the type of a running service', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.src.add(desc('p', { type: 'scripted' }));
    expect(h.set.reload(h.ref('p'))).toEqual({
      ok: false,
      message: 'cannot change type of non-stopped service.',
    });
    expect(
      h.host.logged('Could not reload service p: cannot change type of non-stopped service.'),
    ).toBe(true);
  });

  test('reload cannot add a hard dependency that is not started to a running service', () => {
    const h = new Harness().add(desc('p', { type: 'process' }), desc('q'));
    h.start('p');
    h.src.add(desc('p', { type: 'process', dependsOn: ['q'] }));
    expect(h.set.reload(h.ref('p'))).toEqual({
      ok: false,
      message: "cannot add non-started dependency 'q'.",
    });
  });

  test('reload of a running service applies new settings for the next start', () => {
    const h = new Harness().add(desc('p', { type: 'process', command: ['/bin/old'] }));
    h.start('p');
    h.src.add(desc('p', { type: 'process', command: ['/bin/new'] }));
    expect(h.set.reload(h.ref('p')).ok).toBe(true);
    h.restart('p');
    h.os.exit('p', signalled(15));
    expect(h.os.running('p').spec.argv).toEqual(['/bin/new']);
  });

  test('reload cannot change the pid file of a running bgprocess', () => {
    const h = new Harness().add(desc('b', { type: 'bgprocess', pidFile: '/run/a.pid' }));
    h.start('b');
    h.os.setPidFile('/run/a.pid', 900);
    h.os.exit('b', 0);
    h.src.add(desc('b', { type: 'bgprocess', pidFile: '/run/b.pid' }));
    expect(h.set.reload(h.ref('b'))).toEqual({
      ok: false,
      message: 'cannot change pid_file for running service.',
    });
  });

  test('reload cannot change the log type of a running service', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.src.add(desc('p', { type: 'process', logType: 'buffer' }));
    expect(h.set.reload(h.ref('p'))).toEqual({
      ok: false,
      message: 'cannot change log-type for running service.',
    });
  });

  test('reload cannot change starts-on-console or shares-console of a running service', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.src.add(desc('p', { type: 'process', options: { sharesConsole: true } }));
    expect(h.set.reload(h.ref('p'))).toEqual({
      ok: false,
      message: 'cannot change starts_on_console/shares_console flags for a running service.',
    });
  });

  test('reload cannot change inittab-id or inittab-line of a running process', () => {
    const h = new Harness().add(desc('p', { type: 'process', inittabId: 'a1' }));
    h.start('p');
    h.src.add(desc('p', { type: 'process', inittabId: 'a2' }));
    expect(h.set.reload(h.ref('p'))).toEqual({
      ok: false,
      message: 'cannot change inittab-id or inittab-line settings for running service.',
    });
  });

  test('reload of a running service may change its command and restart settings', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'no' }));
    h.start('p');
    h.src.add(desc('p', { type: 'process', restart: 'yes', command: ['/bin/other'] }));
    expect(h.set.reload(h.ref('p'))).toMatchObject({ ok: true });
    expect(h.state('p')).toBe('started');
    h.os.advance(1000);
    h.os.exit('p', 1);
    // The new restart setting applies to this exit; the new command to the next launch.
    expect(h.os.running('p').spec.argv).toEqual(['/bin/other']);
  });

  test('reload refuses a service that is starting or stopping', () => {
    const h = new Harness({ execStatus: true }).add(desc('p', { type: 'process' }));
    h.start('p');
    expect(h.set.reload(h.ref('p'))).toEqual({
      ok: false,
      message: 'cannot alter settings for service which is currently starting/stopping.',
    });
  });

  test('reload cannot change consumer-of of a running service', () => {
    const h = new Harness().add(
      desc('prod', { type: 'process', logType: 'pipe' }),
      desc('prod2', { type: 'process', logType: 'pipe' }),
      desc('cons', { type: 'process', consumerOf: 'prod' }),
    );
    h.start('cons');
    h.set.load('prod2');
    h.src.add(desc('cons', { type: 'process', consumerOf: 'prod2' }));
    expect(h.set.reload(h.ref('cons'))).toEqual({
      ok: false,
      message: "cannot change consumed service ('consumer-of') when not stopped",
    });
  });

  test('reload of a producer with a consumer must keep log-type pipe', () => {
    const h = new Harness().add(
      desc('prod', { type: 'process', logType: 'pipe' }),
      desc('cons', { type: 'process', consumerOf: 'prod' }),
    );
    h.set.load('cons');
    h.src.add(desc('prod', { type: 'process', logType: 'buffer' }));
    expect(h.set.reload(h.ref('prod'))).toEqual({
      ok: false,
      message: "service has output consumer; log type must be set to 'pipe'",
    });
  });

  test('reload refuses a new cycle', () => {
    const h = new Harness().add(desc('a', { dependsOn: ['b'] }), desc('b'));
    h.set.load('a');
    h.src.add(desc('b', { dependsOn: ['a'] }));
    expect(h.set.reload(h.ref('b')).ok).toBe(false);
  });
});

describe('shutdown and events', () => {
  test('shutdown stops everything in dependency order and then reports all stopped', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    let called = 0;
    h.set.onAllStopped(() => called++);
    h.start('a');
    h.set.shutdown('poweroff');
    expect(h.set.isShuttingDown()).toBe(true);
    expect(h.os.running('b').signals).toEqual([]);
    h.os.exit('a', signalled(15));
    expect(h.os.running('b').signals).toHaveLength(1);
    expect(called).toBe(0);
    h.os.exit('b', signalled(15));
    expect(h.set.allStopped()).toBe(true);
    expect(called).toBe(1);
    expect(h.start('a')).toBe('shutting-down');
  });

  test('shutdown also stops pinned services and does not restart anything', () => {
    const h = new Harness().add(desc('p', { type: 'process', restart: 'yes' }));
    h.start('p', true);
    h.set.shutdown('halt');
    h.os.exit('p', signalled(15));
    expect(h.state('p')).toBe('stopped');
    expect(h.os.launchesOf('p')).toHaveLength(1);
  });

  test('onAllStopped fires when nothing remains active', () => {
    const h = new Harness().add(desc('a'));
    let called = 0;
    h.set.onAllStopped(() => called++);
    h.start('a');
    h.stop('a');
    expect(called).toBe(1);
  });

  test('startcancelled when a start waiting for dependencies is stopped', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.stop('a');
    expect(h.eventsOf('a')).toEqual(['startcancelled', 'stopped']);
  });

  test('signal reaches the main process; no process means no-pid', () => {
    const h = new Harness().add(desc('p', { type: 'process' }), desc('i'));
    h.start('p');
    expect(h.set.signal(h.ref('p'), 10)).toBe('ok');
    expect(h.os.running('p').signals).toEqual([{ signal: 10, target: 'process' }]);
    expect(h.set.signal(h.ref('i'), 10)).toBe('no-pid');
    expect(h.set.signal(h.ref('p'), 999)).toBe('bad-signal');
  });

  test('dependents lists the hard dependents holding a service', () => {
    const h = new Harness().add(
      desc('a', { dependsOn: ['c'] }),
      desc('b', { waitsFor: ['c'] }),
      desc('c'),
    );
    h.start('a');
    h.start('b');
    expect(h.set.dependents(h.ref('c')).map((r) => r.name)).toEqual(['a']);
  });

  test('a listener calling back into the manager is safe', () => {
    const h = new Harness().add(desc('a'), desc('b'));
    h.set.addListener({
      onServiceEvent: (ref, ev) => {
        if (ref.name === 'a' && ev === 'started') h.start('b');
      },
    });
    h.start('a');
    expect(h.state('b')).toBe('started');
  });
});
