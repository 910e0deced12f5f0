// Launch planning: which child fd gets what, the environment, and the exec helper's
// instruction list, decided in TypeScript before anything is spawned.

import type { ProcessSpec } from '../../../src/core/os';
import { planLaunch } from '../../../adapters/posix/helper-plan';
import { processSpec } from '../../support/process-spec';
import {
  EXEC_STAGE_DESCRIPTIONS,
  ExecStage,
  execStageDescription as stageDescription,
} from '../../../src/model';
import { LaunchError } from '../../../src/errors';

function spec(extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return processSpec({ argv: ['daemon', '--flag'], env: { PATH: '/bin' }, ...extra });
}

const pipe = { id: 1, close() {} };

describe('planLaunch', () => {
  it('needs no helper for a plain service and runs it detached', () => {
    const p = planLaunch(spec(), {});
    expect(p.helperReasons).toEqual([]);
    expect(p.detached).toBe(true);
    expect(p.stdio).toEqual(['ignore', 'ignore', 'ignore']);
    expect(p.env).toEqual({ PATH: '/bin' });
  });

  it('points stdout and stderr at the output pipe and stdin at the consumer pipe', () => {
    const p = planLaunch(spec({ stdin: { kind: 'pipe', pipe }, output: { kind: 'pipe', pipe } }), {
      stdinFd: 40,
      outputFd: 41,
    });
    expect(p.stdio).toEqual([40, 41, 41]);
    expect(p.helperReasons).toEqual([]);
  });

  it('puts the readiness pipe at the requested fd, keeping the output elsewhere', () => {
    const p = planLaunch(
      spec({ readiness: { kind: 'pipefd', fd: 1 }, output: { kind: 'inherit' } }),
      {
        readinessFd: 'pipe',
      },
    );
    expect(p.stdio).toEqual(['ignore', 'pipe', 'inherit']);
    expect(p.readinessFd).toBe(1);
  });

  it('names the readiness fd in the pipevar variable, above the activation socket', () => {
    const p = planLaunch(
      spec({
        readiness: { kind: 'pipevar', variable: 'READY_FD' },
        activationSocket: { fd: 30, close() {} },
      }),
      { readinessFd: 'pipe', activationFd: 30 },
    );
    expect(p.stdio.slice(3)).toEqual([30, 'pipe']);
    expect(p.env).toMatchObject({ READY_FD: '4', LISTEN_FDS: '1' });
    expect(p.helperOps).toContain('listenpid');
  });

  it('refuses a readiness fd that collides with the activation socket', () => {
    expect(() =>
      planLaunch(
        spec({ readiness: { kind: 'pipefd', fd: 3 }, activationSocket: { fd: 30, close() {} } }),
        {
          readinessFd: 'pipe',
          activationFd: 30,
        },
      ),
    ).toThrow(LaunchError);
  });

  it('orders helper steps: session, directory, log file, limits, priorities, cgroup, groups, uid', () => {
    const p = planLaunch(
      spec({
        workingDir: '/srv',
        output: { kind: 'file', path: '/var/log/svc.log', permissions: 0o640, uid: 5, gid: 6 },
        rlimits: { nofile: { soft: 10, hard: -1 }, core: { soft: 0 } },
        nice: 30,
        ioprio: { class: 'idle', level: 0 },
        oomScoreAdj: -100,
        cgroup: 'svc',
        uid: 5,
        gid: 6,
        initgroupsUser: 'svcuser',
        noNewPrivs: true,
      }),
      { cgroupProcsPath: '/sys/fs/cgroup/svc/cgroup.procs' },
    );
    expect(p.helperOps).toEqual([
      'setsid',
      'chdir',
      '/srv',
      'logfile',
      '/var/log/svc.log',
      '640',
      '5',
      '6',
      '12',
      'rlimit',
      'nofile',
      '10',
      'inf',
      'rlimit',
      'core',
      '0',
      '-',
      'nice',
      '19',
      'ioprio',
      String(3 << 13),
      'oom',
      '-100',
      'cgroup',
      '/sys/fs/cgroup/svc/cgroup.procs',
      'setgid',
      '6',
      'initgroups',
      'svcuser',
      '6',
      'setuid',
      '5',
      'nonewprivs',
    ]);
    expect(p.helperReasons).toEqual(
      expect.arrayContaining([
        'log file',
        'rlimits',
        'nice',
        'ioprio',
        'oom-score-adj',
        'cgroup',
        'run-as',
      ]),
    );
  });

  it('drops supplementary groups for a numeric run-as', () => {
    const p = planLaunch(spec({ uid: 7, clearSupplementaryGroups: true }), {});
    expect(p.helperOps).toEqual(['setsid', 'setgroups0', 'setuid', '7']);
  });

  it('leaves the readiness fd out of the log file targets', () => {
    const p = planLaunch(
      spec({
        readiness: { kind: 'pipefd', fd: 2 },
        output: { kind: 'file', path: '/l', permissions: 0o600 },
      }),
      { readinessFd: 'pipe' },
    );
    expect(p.helperOps.slice(p.helperOps.indexOf('logfile'))).toEqual([
      'logfile',
      '/l',
      '600',
      '-1',
      '-1',
      '1',
    ]);
    expect(p.stdio[2]).toBe('pipe');
  });

  it('runs console services in the foreground with SIGINT masked unless unmask-intr', () => {
    expect(planLaunch(spec({ onConsole: true, stdin: { kind: 'inherit' } }), {}).helperOps).toEqual(
      ['console', 'consolemask', '0'],
    );
    expect(planLaunch(spec({ onConsole: true, unmaskIntr: true }), {}).helperOps).toEqual([
      'console',
      'consolemask',
      '1',
    ]);
  });

  it('refuses capabilities where the platform has no caps instruction', () => {
    expect(() => planLaunch(spec({ capabilities: 'cap_net_bind_service' }), {})).toThrow(
      /not supported on this system/,
    );
    expect(() => planLaunch(spec({ securebits: 'noroot' }), {})).toThrow(
      expect.objectContaining({ code: 'ERR_DINIT_LAUNCH', stage: ExecStage.SET_CAPS }),
    );
  });

  it('keeps capabilities across setuid and applies them after it', () => {
    const p = planLaunch(spec({ uid: 5, gid: 6, capabilities: '^cap_kill', noNewPrivs: true }), {
      capsOps: ['caps', '20', '20', '0', '-'],
    });
    expect(p.helperOps).toEqual([
      'setsid',
      'setgid',
      '6',
      'keepcaps',
      'setuid',
      '5',
      'caps',
      '20',
      '20',
      '0',
      '-',
      'nonewprivs',
    ]);
  });

  it('refuses an empty command line', () => {
    expect(() => planLaunch(spec({ argv: [] }), {})).toThrow(/no command to execute/);
  });

  it('fails a cgroup setting when the platform has no cgroups', () => {
    expect(() => planLaunch(spec({ cgroup: 'x' }), {})).toThrow(/cgroups are not available/);
  });

  it('fails pass-cs-fd without a control connection as not supported yet', () => {
    expect(() => planLaunch(spec({ passControlSocket: true }), {})).toThrow(/not supported yet/);
    const p = planLaunch(spec({ passControlSocket: true }), { controlFd: 50 });
    expect(p.stdio[3]).toBe(50);
    expect(p.env.DINIT_CS_FD).toBe('3');
  });
});

describe('stage descriptions', () => {
  it("match upstream's numbering", () => {
    expect(stageDescription(0)).toBe('arranging file descriptors');
    expect(stageDescription(10)).toBe('opening log file');
    expect(stageDescription(18)).toBe('executing command');
    expect(EXEC_STAGE_DESCRIPTIONS).toHaveLength(19);
    expect(stageDescription(99)).toBe('unknown stage 99');
  });
});
