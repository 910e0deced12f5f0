// Text of `dinitctl list` lines, the `status` block and start failure reasons.

import { constants } from 'node:os';
import { failureDetails, listLine, statusBlock } from '../../../src/cli/format';
import { status } from './fake-port';

describe('list line', () => {
  it('marks an explicitly started service with [+]', () => {
    expect(listLine('boot', status({ state: 2, target: 2, markedActive: true }))).toBe(
      '[[+]     ] boot\n',
    );
  });
  it('shows a dependency-started service with {+} and its pid', () => {
    expect(listLine('d', status({ state: 2, target: 2, hasPid: true, pid: 42 }))).toBe(
      '[{+}     ] d (pid: 42)\n',
    );
  });
  it('shows starting and stopping arrows', () => {
    expect(listLine('s', status({ state: 1, target: 2, markedActive: true }))).toBe(
      '[[ ]<<   ] s\n',
    );
    expect(listLine('s', status({ state: 3, target: 0 }))).toBe('[   >>{ }] s\n');
  });
  it('marks a clean stop with - and a failure with X and the exit status', () => {
    expect(listLine('a', status())).toBe('[     {-}] a\n');
    expect(listLine('b', status({ stopReason: 6, exitSiCode: 1, exitSiStatus: 1 }))).toBe(
      '[     {X}] b (exit status: 1)\n',
    );
    expect(listLine('c', status({ stopReason: 6, exitSiCode: 2, exitSiStatus: 9 }))).toBe(
      '[     {X}] c (signal: 9)\n',
    );
    expect(listLine('e', status({ stopReason: 4 }))).toBe('[     {X}] e\n');
  });
  it('shows skipped starts and console ownership', () => {
    expect(listLine('k', status({ state: 2, target: 2, skipped: true, hasConsole: true }))).toBe(
      '[{s}     ] k (has console)\n',
    );
    expect(listLine('w', status({ state: 1, target: 2, waitingConsole: true }))).toBe(
      '[{ }<<   ] w (waiting for console)\n',
    );
  });
});

describe('status block', () => {
  it('describes a started service with activation and pid', () => {
    expect(
      statusBlock('sl', status({ state: 2, target: 2, markedActive: true, hasPid: true, pid: 7 })),
    ).toBe(
      'Service: sl\n    State: STARTED\n    Activation: explicitly started\n    Process ID: 7\n',
    );
  });
  it('describes a launch failure with stage and error', () => {
    expect(statusBlock('ex', status({ stopReason: 4, execStage: 18, exitSiCode: 2 }))).toBe(
      'Service: ex\n    State: STOPPED (could not be launched)\n        Stage: executing command\n        Error: No such file or directory\n',
    );
  });
  it('says that the exec helper is missing when a step before exec failed with ENOSYS', () => {
    const st = status({ stopReason: 4, execStage: 8, exitSiCode: constants.errno.ENOSYS });
    const hint = '        (the exec helper of dinit-ts is not built; see the dinit log)\n';
    expect(statusBlock('rl', st)).toBe(
      'Service: rl\n    State: STOPPED (could not be launched)\n        Stage: setting resource limits\n' +
        '        Error: Function not implemented\n' +
        hint,
    );
    expect(failureDetails(st)).toBe(
      'Reason: execution of service process failed:\n        Stage: setting resource limits\n' +
        '        Error: Function not implemented\n' +
        hint,
    );
  });
  it('describes termination and failed starts', () => {
    expect(statusBlock('t', status({ stopReason: 6, exitSiCode: 1, exitSiStatus: 3 }))).toContain(
      'State: STOPPED (terminated; exited - status 3)\n',
    );
    expect(statusBlock('f', status({ stopReason: 3, exitSiCode: 2, exitSiStatus: 15 }))).toContain(
      'State: STOPPED (failed to start; signalled - signal 15)\n',
    );
    expect(statusBlock('d', status({ stopReason: 2 }))).toContain(
      'STOPPED (dependency failed/terminated)',
    );
    expect(statusBlock('o', status({ stopReason: 5 }))).toContain('STOPPED (start timed out)');
  });
  it('shows a dependency activation and pending targets', () => {
    expect(statusBlock('a', status({ state: 1, target: 2 }))).toBe(
      'Service: a\n    State: STARTING\n    Activation: start due to dependent(s)\n',
    );
    expect(statusBlock('b', status({ state: 1, target: 0 }))).toContain(
      'STARTING (target state: STOPPED)',
    );
    expect(statusBlock('c', status({ state: 3, target: 2 }))).toContain(
      'STOPPING (target state: STARTED)',
    );
  });
});

describe('failure details', () => {
  it('names each stop reason', () => {
    expect(failureDetails(status({ stopReason: 2 }))).toBe(
      'Reason: a dependency of the service failed to start. Check dinit log.\n',
    );
    expect(failureDetails(status({ stopReason: 5 }))).toBe('Reason: start timed out.\n');
    expect(failureDetails(status({ stopReason: 3, exitSiCode: 1, exitSiStatus: 1 }))).toBe(
      'Reason: service process terminated before ready: exited - status 1\n',
    );
    expect(failureDetails(status({ stopReason: 0 }))).toBe(
      'Reason unknown/unrecognised. Check dinit log.\n',
    );
  });
});

describe('status conversion from the client', () => {
  it('reads si_code/si_status from v5 blocks and wait statuses from v1 blocks', async () => {
    const { toStatus } = await import('../../../src/cli/client-adapter');
    const base = {
      state: 'stopped' as const,
      targetState: 'stopped' as const,
      waitingForConsole: false,
      hasConsole: false,
      startSkipped: false,
      markedActive: false,
      hasPid: false,
      stopReason: 'terminated' as const,
      execStage: 0,
    };
    expect(toStatus({ ...base, word1: 1, word2: 3 }, 5)).toMatchObject({
      stopReason: 6,
      exitSiCode: 1,
      exitSiStatus: 3,
    });
    expect(toStatus({ ...base, word1: 3 << 8, word2: 0 }, 1)).toMatchObject({
      exitSiCode: 1,
      exitSiStatus: 3,
    });
    expect(toStatus({ ...base, word1: 9, word2: 0 }, 1)).toMatchObject({
      exitSiCode: 2,
      exitSiStatus: 9,
    });
    expect(
      toStatus({ ...base, hasPid: true, state: 'started', word1: 77, word2: 0 }, 5),
    ).toMatchObject({
      state: 2,
      pid: 77,
      exitSiCode: 0,
    });
  });
});
