// dinitctl subcommands against a fake control connection: output text and exit codes for each
// kind of reply, as upstream prints them.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServiceState } from '../../../src/model';
import { FakePort, ev, run, status } from './fake-port';

const rec = (handle = 1, state: ServiceState = 'stopped') => ({
  kind: 'found' as const,
  handle,
  state,
  targetState: state,
});
const ack = { kind: 'ack' as const };

function port(version = 5): FakePort {
  const p = new FakePort();
  p.protocolVersion = version;
  return p;
}

describe('start / stop / wake / release / restart', () => {
  it('start waits for the started event', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: ack, seen: [] }));
    p.event(1, 'started');
    expect(await run(['start', 'x'], p)).toEqual({
      code: 0,
      out: "Service 'x' started.\n",
      err: '',
    });
    expect(p.unused()).toEqual([]);
  });

  it('start passes pin and reports a failed start with its reason', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', (op, h, o) => {
        expect([op, h, o]).toEqual(['start', 1, { pin: true, force: false, restart: false }]);
        return { reply: ack, seen: [] };
      });
    p.event(1, 'failedstart', status({ stopReason: 'execfailed', execStage: 18, word1: 2 }));
    const r = await run(['start', '--pin', 'x'], p);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      "Service 'x' failed to start.\nReason: execution of service process failed:\n        Stage: executing command\n        Error: No such file or directory\n",
    );
  });

  it('start of a started service says (already) started', async () => {
    const p = port()
      .on('loadService', () => rec(1, 'started'))
      .on('startStop', () => ({ reply: { kind: 'already' }, seen: [] }));
    expect((await run(['start', 'x'], p)).out).toBe('Service (already) started.\n');
  });

  it('start uses an event that arrived before the reply', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: ack, seen: [ev(1, 'started')] }));
    expect(await run(['start', 'x'], p)).toEqual({
      code: 0,
      out: "Service 'x' started.\n",
      err: '',
    });
  });

  it('start reports a cancelled start', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: ack, seen: [] }));
    p.event(1, 'startcancelled');
    expect(await run(['start', 'x'], p)).toEqual({
      code: 1,
      out: "Service 'x' start cancelled.\n",
      err: '',
    });
  });

  it('--no-wait returns after the command is issued; --quiet prints nothing', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: ack, seen: [] }));
    expect((await run(['stop', '--no-wait', 'x'], p)).out).toBe(
      "Issued stop command successfully for service 'x'.\n",
    );
    const q = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: ack, seen: [] }));
    q.event(1, 'stopped');
    expect(await run(['--quiet', 'stop', 'x'], q)).toEqual({ code: 0, out: '', err: '' });
  });

  it('refuses pinned services', async () => {
    const a = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: { kind: 'pinned-stopped' }, seen: [] }));
    expect(await run(['start', 'x'], a)).toEqual({
      code: 1,
      out: '',
      err: "dinitctl: cannot start service 'x' as it is pinned stopped\n",
    });
    const b = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: { kind: 'pinned-started' }, seen: [] }));
    expect((await run(['stop', 'x'], b)).err).toBe(
      "dinitctl: cannot stop service 'x' as it is pinned started\n",
    );
  });

  it('lists the dependents that prevent a stop', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: { kind: 'dependents', handles: [5, 6] }, seen: [] }))
      .on('serviceName', () => 'a')
      .on('serviceName', () => 'b');
    expect(await run(['stop', 'x'], p)).toEqual({
      code: 1,
      out: '',
      err:
        "dinitctl: cannot stop service 'x' due to the following dependents:\n" +
        "(only direct dependents are listed. Exercise caution before using '--force' !!)\n" +
        '  a b\n',
    });
  });

  it('stop --force asks for a forced stop', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', (_op, _h, o) => {
        expect(o.force).toBe(true);
        return { reply: ack, seen: [] };
      });
    p.event(1, 'stopped');
    expect((await run(['stop', '--force', 'x'], p)).code).toBe(0);
  });

  it('restart prints stopped then started', async () => {
    const p = port()
      .on('loadService', () => rec(1, 'started'))
      .on('startStop', (op, _h, o) => {
        expect([op, o.restart]).toEqual(['stop', true]);
        return { reply: ack, seen: [] };
      });
    p.event(1, 'stopped').event(1, 'started');
    expect((await run(['restart', 'x'], p)).out).toBe(
      "Service 'x' stopped.\nService 'x' started.\n",
    );
  });

  it('restart of a stopped service fails unless --ignore-unstarted', async () => {
    const mk = () =>
      port()
        .on('loadService', () => rec())
        .on('startStop', () => ({ reply: { kind: 'nak' }, seen: [] }));
    expect(await run(['restart', 'x'], mk())).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: cannot restart service; service not started.\n',
    });
    expect(await run(['restart', '--ignore-unstarted', 'x'], mk())).toEqual({
      code: 0,
      out: "Service 'x' is not currently started.\n",
      err: '',
    });
  });

  it('wake without active dependents fails', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: { kind: 'nak' }, seen: [] }));
    expect((await run(['wake', 'x'], p)).err).toBe(
      'dinitctl: service has no active dependents, cannot wake.\n',
    );
  });

  it('refuses during shutdown', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('startStop', () => ({ reply: { kind: 'shutting-down' }, seen: [] }));
    expect((await run(['start', 'x'], p)).err).toBe(
      'dinitctl: cannot start/restart/wake service, shutdown is in progress.\n',
    );
  });

  it('reports each kind of load failure', async () => {
    const cases: Array<[string, string]> = [
      [
        'noservice',
        'dinitctl: failed to find service description.\ndinitctl: check service description file exists / service name spelling.\n',
      ],
      [
        'desc-error',
        "dinitctl: error in service description.\ndinitctl: try 'dinit-check <service-name>' or check log for more information.\n",
      ],
      [
        'load-error',
        "dinitctl: error loading service (or dependency of service).\ndinitctl: try 'dinit-check <service-name>' or check log for more information.\n",
      ],
    ];
    for (const [kind, err] of cases) {
      const p = port().on('loadService', () => ({ kind }) as never);
      expect(await run(['start', 'x'], p)).toEqual({ code: 1, out: '', err });
    }
  });

  it('stop --ignore-unstarted of an unknown service succeeds silently', async () => {
    const p = port().on('loadService', () => ({ kind: 'noservice' }));
    expect(await run(['stop', '--ignore-unstarted', 'x'], p)).toEqual({
      code: 0,
      out: '',
      err: '',
    });
  });

  it('warns when the description file changed since it was loaded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinitctl-test-'));
    fs.writeFileSync(path.join(dir, 'x'), 'type = internal\n');
    const p = port(6)
      .on('loadService', () => rec(1, 'started'))
      .on('serviceDescriptionDir', () => dir)
      .on('serviceDescriptionMtime', () => ({ sec: 1, nsec: 0 }))
      .on('startStop', () => ({ reply: { kind: 'already' }, seen: [] }));
    const r = await run(['start', 'x'], p);
    fs.rmSync(dir, { recursive: true });
    expect(r.err).toBe(
      "dinitctl: warning: service description may have changed; use 'dinitctl reload x' to apply changes.\n",
    );
    expect(r.code).toBe(0);
  });
});

describe('status / is-started / is-failed', () => {
  it('prints the status block', async () => {
    const p = port()
      .on('loadService', (_n, findOnly) => {
        expect(findOnly).toBe(true);
        return rec();
      })
      .on('serviceStatus', () =>
        status({ state: 'started', targetState: 'started', markedActive: true }),
      );
    expect((await run(['status', 'x'], p)).out).toBe(
      'Service: x\n    State: STARTED\n    Activation: explicitly started\n',
    );
  });

  it('says when the service is not loaded', async () => {
    const p = port().on('loadService', () => ({ kind: 'noservice' }));
    expect(await run(['status', 'x'], p)).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: service not loaded.\n',
    });
    const q = port().on('loadService', () => ({ kind: 'noservice' }));
    expect(await run(['is-started', 'x'], q)).toEqual({ code: 1, out: '', err: '' });
  });

  it('is-started succeeds only for a started service', async () => {
    const a = port()
      .on('loadService', () => rec())
      .on('serviceStatus', () => status({ state: 'started' }));
    expect(await run(['is-started', 'x'], a)).toEqual({ code: 0, out: 'STARTED\n', err: '' });
    const b = port()
      .on('loadService', () => rec())
      .on('serviceStatus', () => status({ state: 'starting' }));
    expect(await run(['is-started', 'x'], b)).toEqual({ code: 1, out: 'STARTING\n', err: '' });
  });

  it('is-failed succeeds for failure reasons only', async () => {
    for (const [reason, code] of [
      ['depfailed', 0],
      ['failed', 0],
      ['execfailed', 0],
      ['timedout', 0],
      ['normal', 1],
      ['terminated', 1],
      ['deprestart', 1],
    ] as const) {
      const p = port()
        .on('loadService', () => rec())
        .on('serviceStatus', () => status({ stopReason: reason }));
      expect((await run(['--quiet', 'is-failed', 'x'], p)).code).toBe(code);
    }
  });
});

describe('other commands', () => {
  it('list prints one line per service', async () => {
    const p = port().on('listServices', () => [
      {
        name: 'boot',
        status: status({ state: 'started', targetState: 'started', markedActive: true }),
      },
      { name: 'x', status: status() },
    ]);
    expect((await run(['list'], p)).out).toBe('[[+]     ] boot\n[     {-}] x\n');
  });

  it('unpin, unload and reload', async () => {
    const a = port()
      .on('loadService', () => rec())
      .on('unpin', () => undefined);
    expect((await run(['unpin', 'x'], a)).out).toBe("Service 'x' unpinned.\n");
    const b = port()
      .on('loadService', () => rec())
      .on('unload', () => ({ kind: 'nak' }));
    expect((await run(['unload', 'x'], b)).err).toBe(
      'dinitctl: could not unload service; service not stopped, or is a dependency of another service.\n',
    );
    const c = port().on('loadService', () => ({ kind: 'noservice' }));
    expect((await run(['unload', 'x'], c)).err).toBe('dinitctl: service not loaded.\n');
    const d = port()
      .on('loadService', () => rec())
      .on('reload', () => ({ kind: 'nak' }));
    expect((await run(['reload', 'x'], d)).err).toBe(
      'dinitctl: could not reload service; service in wrong state, incompatible change, or bad service description.\n',
    );
    const e = port().on('loadService', (_n, f) => (f ? { kind: 'noservice' } : rec()));
    e.on('loadService', () => rec());
    expect(await run(['reload', 'x'], e)).toEqual({
      code: 0,
      out: "Service 'x' reloaded.\n",
      err: '',
    });
  });

  it('add-dep and rm-dep', async () => {
    const a = port()
      .on('loadService', () => rec(1))
      .on('loadService', () => rec(2))
      .on('addRemoveDep', (add, t, f, to) => {
        expect([add, t, f, to]).toEqual([true, 'waits-for', 1, 2]);
        return 'ack';
      });
    expect((await run(['add-dep', 'waits-for', 'a', 'b'], a)).out).toBe(
      "Service 'a': dependency 'b' added\n",
    );
    const b = port()
      .on('loadService', () => rec(1))
      .on('loadService', () => rec(2))
      .on('addRemoveDep', () => 'nak');
    expect((await run(['rm-dep', 'need', 'a', 'b'], b)).err).toBe(
      'dinitctl: no such dependency to remove\n',
    );
    const c = port()
      .on('loadService', () => rec(1))
      .on('loadService', () => rec(2))
      .on('addRemoveDep', () => 'nak');
    expect((await run(['add-dep', 'need', 'a', 'b'], c)).err).toBe(
      'dinitctl: could not add dependency: circular dependency or wrong state\n',
    );
    const d = port()
      .on('loadService', () => rec(1))
      .on('loadService', () => rec(2))
      .on('addRemoveDep', () => 'other');
    expect((await run(['add-dep', 'need', 'a', 'a'], d)).err).toBe(
      'dinitctl: control socket protocol error\n',
    );
  });

  it('trigger of a non-triggered service fails', async () => {
    const p = port()
      .on('loadService', () => rec())
      .on('setTrigger', () => ({ kind: 'nak' }));
    expect(await run(['trigger', 'x'], p)).toEqual({
      code: 1,
      out: '',
      err: "dinitctl: cannot trigger a service that is not of 'triggered' type.\n",
    });
    const q = port()
      .on('loadService', () => rec())
      .on('setTrigger', (_h, v) => ({ kind: v ? 'nak' : 'ack' }));
    expect((await run(['untrigger', 'x'], q)).code).toBe(0);
  });

  it('setenv takes NAME from our environment and unsetenv refuses =', async () => {
    const sent: string[] = [];
    const p = port()
      .on('setenv', (s) => (sent.push(s), { kind: 'ack' }))
      .on('setenv', (s) => (sent.push(s), { kind: 'ack' }));
    expect((await run(['setenv', 'A=1', 'B'], p, { B: 'from-env' })).code).toBe(0);
    expect(sent).toEqual(['A=1', 'B=from-env']);
    const q = port();
    expect((await run(['unsetenv', 'X=1'], q)).err).toBe(
      "dinitctl: environment variable 'X=1' must not contain the '=' sign.\n",
    );
    const r = port().on('setenv', () => ({ kind: 'badreq' }));
    expect((await run(['setenv', 'A=1'], r)).err).toBe('dinitctl: failed to export environment.\n');
  });

  it('catlog prints the buffer and marks an incomplete last line', async () => {
    const a = port()
      .on('loadService', () => rec())
      .on('catLog', () => Buffer.from('hi\n'));
    expect((await run(['catlog', 'x'], a)).out).toBe('hi\n');
    const b = port()
      .on('loadService', () => rec())
      .on('catLog', (_h, clear) => (expect(clear).toBe(true), Buffer.from('x')));
    expect((await run(['catlog', '--clear', 'x'], b)).out).toBe(
      'x\n(last line is truncated or incomplete)\n',
    );
    const c = port()
      .on('loadService', () => rec())
      .on('catLog', () => null);
    expect((await run(['catlog', 'x'], c)).err).toBe(
      'dinitctl: cannot cat log for service not configured to buffer output.\n',
    );
  });

  it('signal sends a named or numbered signal and reports refusals', async () => {
    const a = port()
      .on('loadService', () => rec())
      .on('signal', (_h, s) => (expect(s).toBe(os.constants.signals.SIGHUP), { kind: 'ack' }));
    expect((await run(['signal', 'HUP', 'x'], a)).code).toBe(0);
    const b = port()
      .on('loadService', () => rec())
      .on('signal', () => ({ kind: 'no-pid' }));
    expect((await run(['signal', '15', 'x'], b)).err).toBe(
      'dinitctl: could not get valid PID of service; service is not process-based or is in wrong state.\n',
    );
    expect((await run(['signal', 'FOO', 'x'])).err).toBe(
      "dinitctl: 'FOO' is not a valid signal name/number\n",
    );
  });

  it('signal --list needs no daemon', async () => {
    const r = await run(['signal', '--list']);
    expect(r.out.split('\n')[0]).toBe('dinitctl: The following signal names are supported:');
    expect(r.out).toContain(`dinitctl: HUP  -> ${os.constants.signals.SIGHUP}\n`);
  });

  it('shutdown waits for the daemon to close the connection', async () => {
    const p = port()
      .on('shutdown', (k) => expect(k).toBe('halt'))
      .on('waitClosed', () => undefined);
    expect((await run(['shutdown'], p)).out).toBe('Shutting down dinit...\nConnection closed.\n');
  });

  it('daemon-reexec asks a daemon with the extension, then waits for it to answer again', async () => {
    const p = port()
      .on('extensionVersion', () => 1)
      .on('reexec', () => 'closed');
    const r = await run(['daemon-reexec'], p);
    expect([r.code, r.out, r.err]).toEqual([
      0,
      'Re-executing the service manager...\nService manager re-executed.\n',
      '',
    ]);
    expect(p.unused()).toEqual([]);
  });

  it('daemon-reexec sends nothing new to a daemon without the extension', async () => {
    const p = port().on('extensionVersion', () => null);
    const r = await run(['daemon-reexec'], p);
    expect([r.code, r.err]).toEqual([
      1,
      'dinitctl: daemon-reexec is not supported by this daemon\n',
    ]);
    expect(p.calls).toEqual(['extensionVersion']);
  });

  it('daemon-reexec reports a refusal and a failed exec', async () => {
    for (const [outcome, text] of [
      ['refused', 'cannot re-execute now'],
      ['failed', 'could not re-execute'],
    ] as const) {
      const p = port()
        .on('extensionVersion', () => 1)
        .on('reexec', () => outcome);
      const r = await run(['daemon-reexec'], p);
      expect(r.code).toBe(1);
      expect(r.err).toContain(text);
    }
  });

  it('--offline is refused for commands other than enable/disable', async () => {
    expect((await run(['-o', 'list'])).err).toBe(
      'dinitctl: offline mode (--offline/-o) not supported for this command\n',
    );
  });

  it('prints the version and the help', async () => {
    expect((await run(['--version'])).out).toBe('Dinit version 0.22.1.\n');
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('    dinitctl [options] start [options] <service-name>\n');
  });

  it('reports a missing socket, suggesting a user instance', async () => {
    const { ControlError } = await import('../../../src/errors');
    const { runDinitctl } = await import('../../../src/cli/main');
    let err = '';
    const code = await runDinitctl(['list'], {
      out: () => undefined,
      outRaw: () => undefined,
      err: (t) => (err += t),
      env: { XDG_RUNTIME_DIR: '/run/user/1' },
      isRoot: false,
      connect: async (t) => {
        throw new ControlError('connect', 'no socket', {
          path: (t as { path: string }).path,
          errnoCode: 'ENOENT',
        });
      },
    });
    expect(code).toBe(1);
    expect(err).toBe(
      'dinitctl: connecting to socket: /run/user/1/dinitctl: No such file or directory\ndinitctl: perhaps no user instance is running?\n',
    );
  });
});

describe('help', () => {
  it('dinitctl help prints the general help, also after options with values', async () => {
    const r = await run(['-p', '/sock', 'help']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('dinitctl:   control Dinit services\n')).toBe(true);
  });

  it('dinitctl help <unknown> is refused', async () => {
    expect(await run(['help', 'bogus'])).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: unrecognized command: bogus (use --help for help)\n',
    });
  });
});
