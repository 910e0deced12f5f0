// Runtime behaviour of the core driven through dinitctl on the real daemon: enable/disable and
// their waits-for.d link, pins, trigger/untrigger, restart of a service with dependents,
// --ignore-unstarted, unload, and stop order on SIGTERM. Run with DINIT/DINITCTL to compare.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

(isBuilt() ? describe : describe.skip)('runtime changes on the real daemon', () => {
  const sb = sandboxEach('dinit-core-rt-');
  let d: Dinit;
  const ctl = (...args: string[]) => d.ctlOut(...args);
  const svc = (name: string, ...lines: string[]): void => sb.service(name, ...lines);
  const events = (): string[] => sb.lines('events');
  const startDinit = async (args: string[] = []): Promise<void> => {
    d = await sb.start(args);
  };

  /** A scripted service that records its start and stop in the sandbox's events file. */
  function recorded(name: string, ...extra: string[]): void {
    const ev = sb.path('events');
    svc(
      name,
      'type = scripted',
      `command = /bin/sh -c "echo start-${name} >> ${ev}"`,
      `stop-command = /bin/sh -c "echo stop-${name} >> ${ev}"`,
      ...extra,
    );
  }

  test('SIGTERM stops every service in dependency order, then the daemon exits 0', async () => {
    recorded('a', 'depends-on = b');
    recorded('b', 'depends-on = c');
    recorded('c');
    svc('boot', 'type = internal', 'depends-on = a');
    await startDinit();
    await eventually('boot to start', () => ctl('is-started', 'boot').status === 0);
    expect(events()).toEqual(['start-c', 'start-b', 'start-a']);
    d.proc.kill('SIGTERM');
    expect(await d.exitWithin()).toBe(0);
    expect(events().slice(3)).toEqual(['stop-a', 'stop-b', 'stop-c']);
  });

  test('.d directories: depends-on.d, depends-ms.d, waits-for.d; a missing entry is ignored', async () => {
    svc('boot', 'type = internal', 'depends-on.d = h.d', 'depends-ms.d = m.d', 'waits-for.d = w.d');
    for (const sub of ['h.d', 'm.d', 'w.d']) fs.mkdirSync(path.join(sb.sd, sub));
    for (const n of ['a', 'b', 'c']) svc(n, 'type = internal');
    fs.writeFileSync(path.join(sb.sd, 'h.d', 'a'), '');
    fs.writeFileSync(path.join(sb.sd, 'm.d', 'b'), '');
    fs.writeFileSync(path.join(sb.sd, 'w.d', 'c'), '');
    fs.writeFileSync(path.join(sb.sd, 'w.d', 'missing'), '');
    await startDinit(['-l', sb.path('log')]);
    await eventually('boot to start', () => ctl('is-started', 'boot').status === 0);
    expect(ctl('list').out).toBe('[[+]     ] boot\n[{+}     ] a\n[{+}     ] b\n[{+}     ] c\n');
    expect(sb.read('log')).toContain(
      "dinit: Ignoring unresolved dependency 'missing' in dependency directory 'w.d' for boot service.\n",
    );
    // a is a hard dependency: it cannot stop while boot runs; b (started milestone) and c can.
    expect(ctl('stop', 'a').status).toBe(1);
    expect(ctl('stop', 'b').status).toBe(0);
    expect(ctl('stop', 'c').status).toBe(0);
    expect(ctl('is-started', 'boot').status).toBe(0);
  });

  test('dinitctl shutdown in user mode stops everything and the daemon exits 0', async () => {
    recorded('a', 'depends-on = b');
    recorded('b');
    svc('boot', 'type = internal', 'depends-on = a');
    await startDinit();
    await eventually('boot to start', () => ctl('is-started', 'boot').status === 0);
    expect(ctl('shutdown')).toEqual({
      status: 0,
      out: 'Shutting down dinit...\nConnection closed.\n',
    });
    expect(await d.exitWithin()).toBe(0);
    expect(events()).toEqual(['start-b', 'start-a', 'stop-a', 'stop-b']);
  });

  test('boot failure in user mode: the daemon logs it and exits 0 once nothing is active', async () => {
    svc('boot', 'type = scripted', 'command = /bin/sh -c "exit 1"');
    await startDinit(['-l', sb.path('log')]);
    expect(await d.exitWithin()).toBe(0);
    const log = sb.read('log');
    expect(log).toContain('dinit: Service boot command failed with exit code 1\n');
    expect(log).toContain('dinit: service boot failed to start.\n');
  });

  test('prepared-by: the preparer restarts with its dependent, and holds like depends-on', async () => {
    recorded('prep');
    svc('main', 'type = process', 'command = /bin/sleep 60', 'prepared-by = prep');
    svc('boot', 'type = internal');
    await startDinit();
    expect(ctl('start', 'main').status).toBe(0);
    expect(ctl('restart', 'main')).toEqual({
      status: 0,
      out: "Service 'main' stopped.\nService 'main' started.\n",
    });
    expect(events()).toEqual(['start-prep', 'stop-prep', 'start-prep']);
    const pid = Number(/Process ID: (\d+)/.exec(ctl('status', 'main').out)?.[1]);
    process.kill(pid, 'SIGKILL');
    await eventually('prep to be re-run', () => events().length === 5);
    await eventually('main back', () => ctl('is-started', 'main').status === 0);
    expect(events()).toEqual(['start-prep', 'stop-prep', 'start-prep', 'stop-prep', 'start-prep']);
    expect(ctl('stop', 'prep').status).toBe(1);
    expect(ctl('stop', '--force', 'prep').status).toBe(0);
    expect(ctl('list').out).toBe('[[+]     ] boot\n[     {X}] main\n[     {-}] prep\n');
  });

  test('waits-for a failing service starts anyway; depends-ms on it fails', async () => {
    svc('boot', 'type = internal');
    svc('bad', 'type = scripted', 'command = /bin/sh -c "exit 1"');
    svc('w', 'type = internal', 'waits-for = bad');
    svc('m', 'type = internal', 'depends-ms = bad');
    await startDinit();
    expect(ctl('start', 'w')).toEqual({ status: 0, out: "Service 'w' started.\n" });
    expect(ctl('start', 'm')).toEqual({
      status: 1,
      out:
        "Service 'm' failed to start.\n" +
        'Reason: a dependency of the service failed to start. Check dinit log.\n',
    });
  });

  test('enable --from writes the waits-for.d link and starts; disable removes both', async () => {
    svc('boot', 'type = internal', 'waits-for.d = boot.d');
    fs.mkdirSync(path.join(sb.sd, 'boot.d'));
    svc('other', 'type = internal', 'waits-for.d = other.d');
    fs.mkdirSync(path.join(sb.sd, 'other.d'));
    svc('x', 'type = internal');
    svc('y', 'type = internal');
    await startDinit();
    expect(ctl('start', 'other').status).toBe(0);
    expect(ctl('enable', '--from', 'other', 'x')).toEqual({
      status: 0,
      out: "Service 'x' has been enabled.\n",
    });
    expect(fs.lstatSync(path.join(sb.sd, 'other.d', 'x')).isSymbolicLink()).toBe(true);
    expect(ctl('enable', 'y')).toEqual({ status: 0, out: "Service 'y' has been enabled.\n" });
    // Written atomically: only the link itself, no temporary name left behind.
    expect(fs.readdirSync(path.join(sb.sd, 'boot.d'))).toEqual(['y']);
    expect(ctl('list').out).toBe('[[+]     ] boot\n[[+]     ] other\n[{+}     ] x\n[{+}     ] y\n');
    expect(ctl('disable', 'y')).toEqual({ status: 0, out: "Service 'y' has been disabled.\n" });
    expect(fs.readdirSync(path.join(sb.sd, 'boot.d'))).toEqual([]);
    expect(ctl('list').out).toBe('[[+]     ] boot\n[[+]     ] other\n[{+}     ] x\n[     {-}] y\n');
  });

  test('enable --offline -d links a service (with an argument) when no daemon runs', () => {
    svc('boot', 'type = internal', 'waits-for.d = boot.d');
    fs.mkdirSync(path.join(sb.sd, 'boot.d'));
    svc('x', 'type = internal', 'depends-on = $1');
    svc('arg', 'type = internal');
    const r = spawnSync(DINITCTL, ['--offline', '-d', sb.sd, 'enable', 'x@arg'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Service 'x@arg' has been enabled.\n");
    expect(fs.readdirSync(path.join(sb.sd, 'boot.d'))).toEqual(['x@arg']);
    expect(fs.lstatSync(path.join(sb.sd, 'boot.d', 'x@arg')).isSymbolicLink()).toBe(true);
  });

  test('stop and restart of a stopped service: --ignore-unstarted succeeds quietly', async () => {
    svc('boot', 'type = internal');
    svc('y', 'type = internal');
    await startDinit();
    expect(ctl('stop', '--ignore-unstarted', 'y')).toEqual({
      status: 0,
      out: 'Service (already) stopped.\n',
    });
    expect(ctl('restart', '--ignore-unstarted', 'y')).toEqual({
      status: 0,
      out: "Service 'y' is not currently started.\n",
    });
    expect(ctl('restart', 'y')).toEqual({
      status: 1,
      out: 'dinitctl: cannot restart service; service not started.\n',
    });
  });

  test('restart and stop of a service with dependents need --force; unload is refused', async () => {
    svc('boot', 'type = internal');
    svc('a', 'type = internal', 'depends-on = b');
    svc('b', 'type = internal');
    await startDinit();
    expect(ctl('start', 'a').status).toBe(0);
    expect(ctl('restart', 'b')).toEqual({
      status: 1,
      out: "dinitctl: cannot stop service 'b' due to the following dependents:\n  a\n",
    });
    expect(ctl('restart', '--force', 'b')).toEqual({ status: 0, out: 'Service restarted.\n' });
    expect(ctl('stop', 'b').status).toBe(1);
    expect(ctl('unload', 'b')).toEqual({
      status: 1,
      out:
        'dinitctl: could not unload service; service not stopped, or is a dependency of ' +
        'another service.\n',
    });
    expect(ctl('stop', '--force', 'b')).toEqual({ status: 0, out: 'Service stopped.\n' });
    expect(ctl('list').out).toBe('[[+]     ] boot\n[     {X}] a\n[     {-}] b\n');
    expect(ctl('unload', 'a')).toEqual({ status: 0, out: "Service 'a' unloaded.\n" });
    expect(ctl('list').out).toBe('[[+]     ] boot\n[     {-}] b\n');
  });

  test('pins: start --pin refuses stop until unpin; stop --pin refuses start', async () => {
    svc('boot', 'type = internal');
    svc('b', 'type = internal');
    await startDinit();
    expect(ctl('start', '--pin', 'b').status).toBe(0);
    expect(ctl('stop', 'b')).toEqual({
      status: 1,
      out: "dinitctl: cannot stop service 'b' as it is pinned started\n",
    });
    expect(ctl('unpin', 'b')).toEqual({ status: 0, out: "Service 'b' unpinned.\n" });
    expect(ctl('stop', '--pin', 'b')).toEqual({ status: 0, out: 'Service stopped.\n' });
    expect(ctl('start', 'b')).toEqual({
      status: 1,
      out: "dinitctl: cannot start service 'b' as it is pinned stopped\n",
    });
    expect(ctl('unpin', 'b').status).toBe(0);
    expect(ctl('list').out).toBe('[[+]     ] boot\n[     {-}] b\n');
  });

  test('trigger starts a waiting triggered service; untrigger leaves it started', async () => {
    svc('boot', 'type = internal');
    svc('t', 'type = triggered');
    svc('b', 'type = internal');
    await startDinit();
    expect(ctl('start', '--no-wait', 't')).toEqual({
      status: 0,
      out: "Issued start command successfully for service 't'.\n",
    });
    expect(ctl('list').out).toBe('[[+]     ] boot\n[[ ]<<   ] t\n');
    expect(ctl('trigger', 't')).toEqual({ status: 0, out: '' });
    expect(ctl('list').out).toBe('[[+]     ] boot\n[[+]     ] t\n');
    expect(ctl('untrigger', 't')).toEqual({ status: 0, out: '' });
    expect(ctl('list').out).toBe('[[+]     ] boot\n[[+]     ] t\n');
    expect(ctl('trigger', 'b')).toEqual({
      status: 1,
      out: "dinitctl: cannot trigger a service that is not of 'triggered' type.\n",
    });
  });
});
