// Supervision on the real daemon: restart limits (and what happens when exceeded),
// restart = on-failure with deliberate and other signals, stop-timeout escalation to SIGKILL.
// The expected log lines are upstream's (run with DINIT/DINITCTL to check).

import { isBuilt, sandboxAll, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

(isBuilt() ? describe : describe.skip)('supervision on the real daemon', () => {
  const sb = sandboxAll('dinit-core-sup-');
  let d: Dinit;
  const ctl = (...args: string[]) => d.ctlOut(...args);
  const svc = (name: string, ...lines: string[]): void => sb.service(name, ...lines);

  /** Log lines about one service (the daemon logs to the sandbox's log file). */
  /** The daemon writes its log asynchronously: wait for the service's stop line to land. */
  function logSettled(name: string): Promise<void> {
    return eventually(`the log of ${name} to end with its stop`, () =>
      logOf(name).includes(`dinit: service ${name} stopped.`),
    );
  }

  function logOf(name: string): string[] {
    const re = new RegExp(`\\b${name}\\b`);
    return sb
      .lines('log')
      .filter((l) => re.test(l))
      .map((l) => l.replace(/pid \d+/, 'pid N'));
  }

  beforeAll(async () => {
    svc('boot', 'type = internal');
    svc(
      'flap',
      'type = process',
      'command = /bin/sh -c "sleep 0.05; exit 1"',
      'restart = yes',
      'restart-delay = 0.01',
      'restart-limit-count = 2',
      'restart-limit-interval = 60',
    );
    svc(
      'stubborn',
      'type = process',
      'command = /bin/sh -c "trap \\"\\" TERM; while :; do sleep 0.1; done"',
      'stop-timeout = 0.5',
    );
    svc(
      'termself',
      'type = process',
      'command = /bin/sh -c "sleep 0.05; kill -TERM $$$$"',
      'restart = on-failure',
    );
    svc(
      'segv',
      'type = process',
      'command = /bin/sh -c "sleep 0.05; kill -SEGV $$$$"',
      'restart = on-failure',
      'restart-delay = 0.01',
      'restart-limit-count = 1',
      'restart-limit-interval = 60',
    );
    svc(
      'smooth',
      'type = process',
      'command = /bin/sleep 60',
      'smooth-recovery = yes',
      'restart-delay = 0.01',
    );
    svc('user', 'type = internal', 'depends-on = smooth');
    svc('skip', 'type = scripted', 'command = /bin/sleep 60', 'options = skippable');
    svc('nonint', 'type = scripted', 'command = /bin/sleep 1', 'stop-command = /bin/true');
    svc('intr', 'type = scripted', 'command = /bin/sleep 60', 'options = start-interruptible');
    d = await sb.start(['-l', sb.path('log')]);
  });

  test('restart-limit-count restarts in the window, then "restarting too quickly; stopping"', async () => {
    expect(ctl('start', 'flap').status).toBe(0);
    await eventually(
      'flap to give up',
      () =>
        logOf('flap').includes('dinit: service flap stopped.') &&
        logOf('flap').some((l) => l.includes('restarting too quickly')),
    );
    await eventually('flap stopped', () => ctl('status', 'flap').out.includes('STOPPED'));
    const started = 'dinit: service flap started.';
    const exit1 = 'dinit: Service flap process terminated with exit code 1';
    const stopped = 'dinit: service flap stopped.';
    expect(logOf('flap')).toEqual([
      started,
      exit1,
      stopped,
      started,
      exit1,
      stopped,
      started,
      exit1,
      'dinit: Service flap restarting too quickly; stopping.',
      stopped,
    ]);
    expect(ctl('status', 'flap').out).toContain('State: STOPPED (terminated; exited - status 1)');
  });

  test('stop-timeout expiry kills the process (SIGKILL) and the service stops', async () => {
    expect(ctl('start', 'stubborn').status).toBe(0);
    expect(ctl('stop', 'stubborn')).toEqual({ status: 0, out: "Service 'stubborn' stopped.\n" });
    await logSettled('stubborn');
    expect(logOf('stubborn')).toEqual([
      'dinit: service stubborn started.',
      'dinit: Service stubborn with pid N exceeded allowed stop time; killing.',
      'dinit: service stubborn stopped.',
    ]);
  });

  test('restart = on-failure: SIGTERM is deliberate (no restart); SIGSEGV is a failure', async () => {
    expect(ctl('start', 'termself').status).toBe(0);
    await eventually('termself stopped', () =>
      logOf('termself').includes('dinit: service termself stopped.'),
    );
    expect(ctl('status', 'termself').out).toContain(
      'State: STOPPED (terminated; signalled - signal 15)',
    );
    expect(logOf('termself')).toEqual([
      'dinit: service termself started.',
      'dinit: Service termself terminated due to signal 15',
      'dinit: service termself stopped.',
    ]);
    expect(ctl('start', 'segv').status).toBe(0);
    await eventually('segv to give up', () => logOf('segv').some((l) => l.includes('too quickly')));
    await eventually('segv stopped', () => ctl('status', 'segv').out.includes('STOPPED'));
    expect(logOf('segv')).toEqual([
      'dinit: service segv started.',
      'dinit: Service segv terminated due to signal 11',
      'dinit: service segv stopped.',
      'dinit: service segv started.',
      'dinit: Service segv terminated due to signal 11',
      'dinit: Service segv restarting too quickly; stopping.',
      'dinit: service segv stopped.',
    ]);
  });

  test('smooth-recovery: a new process while the service and its dependents stay started', async () => {
    expect(ctl('start', 'user').status).toBe(0);
    const pidOf = (): number => Number(/Process ID: (\d+)/.exec(ctl('status', 'smooth').out)?.[1]);
    const first = pidOf();
    expect(first).toBeGreaterThan(1);
    process.kill(first, 'SIGKILL');
    await eventually('a new smooth process', () => {
      const pid = pidOf();
      return pid > 1 && pid !== first;
    });
    expect(ctl('status', 'smooth').out).toContain('    State: STARTED\n');
    expect(ctl('is-started', 'user').status).toBe(0);
    expect(logOf('smooth')).toEqual([
      'dinit: service smooth started.',
      'dinit: Service smooth terminated due to signal 9',
    ]);
    expect(logOf('user')).toEqual(['dinit: service user started.']);
    // Released by its only dependent, smooth stops too.
    expect(ctl('stop', 'user').status).toBe(0);
    await eventually('smooth stopped', () => ctl('is-started', 'smooth').status !== 0);
  });

  test('skippable: a start command ended by SIGINT from outside counts as started (skipped)', async () => {
    expect(ctl('start', '--no-wait', 'skip').status).toBe(0);
    const pid = (): number => Number(/Process ID: (\d+)/.exec(ctl('status', 'skip').out)?.[1]);
    await eventually('skip command running', () => pid() > 1);
    process.kill(pid(), 'SIGINT');
    await eventually('skip started', () => ctl('is-started', 'skip').status === 0);
    expect(ctl('status', 'skip').out).toContain('    State: STARTED (startup skipped)\n');
    expect(ctl('list').out).toContain('[[s]     ] skip\n');
    expect(ctl('stop', 'skip').status).toBe(0);
  });

  test('without start-interruptible a stop waits for the start; with it the start is interrupted', async () => {
    expect(ctl('start', '--no-wait', 'nonint').status).toBe(0);
    expect(ctl('stop', 'nonint')).toEqual({ status: 0, out: "Service 'nonint' stopped.\n" });
    await logSettled('nonint');
    expect(logOf('nonint')).toEqual([
      'dinit: service nonint started.',
      'dinit: service nonint stopped.',
    ]);
    expect(ctl('start', '--no-wait', 'intr').status).toBe(0);
    expect(ctl('stop', 'intr')).toEqual({ status: 0, out: "Service 'intr' stopped.\n" });
    await logSettled('intr');
    expect(logOf('intr')).toEqual([
      'dinit: Interrupting start of service intr with pid N (with SIGINT).',
      'dinit: Service intr start cancelled from signal 2',
      'dinit: service intr stopped.',
    ]);
  });
});
