// Text of `dinitctl list` lines, the `status` block and start failure reasons.

import { constants } from 'node:os';
import { failureDetails, listLine, statusBlock } from '../../../src/cli/format';
import { status } from './fake-port';

describe('list line', () => {
  it('marks an explicitly started service with [+]', () => {
    expect(
      listLine('boot', status({ state: 'started', targetState: 'started', markedActive: true })),
    ).toBe('[[+]     ] boot\n');
  });
  it('shows a dependency-started service with {+} and its pid', () => {
    expect(
      listLine('d', status({ state: 'started', targetState: 'started', hasPid: true, word1: 42 })),
    ).toBe('[{+}     ] d (pid: 42)\n');
  });
  it('shows starting and stopping arrows', () => {
    expect(
      listLine('s', status({ state: 'starting', targetState: 'started', markedActive: true })),
    ).toBe('[[ ]<<   ] s\n');
    expect(listLine('s', status({ state: 'stopping', targetState: 'stopped' }))).toBe(
      '[   >>{ }] s\n',
    );
  });
  it('marks a clean stop with - and a failure with X and the exit status', () => {
    expect(listLine('a', status())).toBe('[     {-}] a\n');
    expect(listLine('b', status({ stopReason: 'terminated', word1: 1, word2: 1 }))).toBe(
      '[     {X}] b (exit status: 1)\n',
    );
    expect(listLine('c', status({ stopReason: 'terminated', word1: 2, word2: 9 }))).toBe(
      '[     {X}] c (signal: 9)\n',
    );
    expect(listLine('e', status({ stopReason: 'execfailed' }))).toBe('[     {X}] e\n');
  });
  it('shows skipped starts and console ownership', () => {
    expect(
      listLine(
        'k',
        status({ state: 'started', targetState: 'started', startSkipped: true, hasConsole: true }),
      ),
    ).toBe('[{s}     ] k (has console)\n');
    expect(
      listLine('w', status({ state: 'starting', targetState: 'started', waitingForConsole: true })),
    ).toBe('[{ }<<   ] w (waiting for console)\n');
  });
});

describe('status block', () => {
  it('describes a started service with activation and pid', () => {
    expect(
      statusBlock(
        'sl',
        status({
          state: 'started',
          targetState: 'started',
          markedActive: true,
          hasPid: true,
          word1: 7,
        }),
      ),
    ).toBe(
      'Service: sl\n    State: STARTED\n    Activation: explicitly started\n    Process ID: 7\n',
    );
  });
  it('describes a launch failure with stage and error', () => {
    expect(statusBlock('ex', status({ stopReason: 'execfailed', execStage: 18, word1: 2 }))).toBe(
      'Service: ex\n    State: STOPPED (could not be launched)\n        Stage: executing command\n        Error: No such file or directory\n',
    );
  });
  it('says that the exec helper is missing when a step before exec failed with ENOSYS', () => {
    const st = status({ stopReason: 'execfailed', execStage: 8, word1: constants.errno.ENOSYS });
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
    expect(statusBlock('t', status({ stopReason: 'terminated', word1: 1, word2: 3 }))).toContain(
      'State: STOPPED (terminated; exited - status 3)\n',
    );
    expect(statusBlock('f', status({ stopReason: 'failed', word1: 2, word2: 15 }))).toContain(
      'State: STOPPED (failed to start; signalled - signal 15)\n',
    );
    expect(statusBlock('d', status({ stopReason: 'depfailed' }))).toContain(
      'STOPPED (dependency failed/terminated)',
    );
    expect(statusBlock('o', status({ stopReason: 'timedout' }))).toContain(
      'STOPPED (start timed out)',
    );
  });
  it('shows a dependency activation and pending targets', () => {
    expect(statusBlock('a', status({ state: 'starting', targetState: 'started' }))).toBe(
      'Service: a\n    State: STARTING\n    Activation: start due to dependent(s)\n',
    );
    expect(statusBlock('b', status({ state: 'starting', targetState: 'stopped' }))).toContain(
      'STARTING (target state: STOPPED)',
    );
    expect(statusBlock('c', status({ state: 'stopping', targetState: 'started' }))).toContain(
      'STOPPING (target state: STARTED)',
    );
  });
});

describe('failure details', () => {
  it('names each stop reason', () => {
    expect(failureDetails(status({ stopReason: 'depfailed' }))).toBe(
      'Reason: a dependency of the service failed to start. Check dinit log.\n',
    );
    expect(failureDetails(status({ stopReason: 'timedout' }))).toBe('Reason: start timed out.\n');
    expect(failureDetails(status({ stopReason: 'failed', word1: 1, word2: 1 }))).toBe(
      'Reason: service process terminated before ready: exited - status 1\n',
    );
    expect(failureDetails(status({ stopReason: 'normal' }))).toBe(
      'Reason unknown/unrecognised. Check dinit log.\n',
    );
  });
});

describe('status blocks of old daemons', () => {
  it('keeps v5 blocks and reads the wait status of v1 blocks as si_code/si_status', async () => {
    const { toV5Layout } = await import('../../../src/cli/client-adapter');
    const base = status({ stopReason: 'terminated' });
    expect(toV5Layout({ ...base, word1: 1, word2: 3 }, 5)).toMatchObject({ word1: 1, word2: 3 });
    expect(toV5Layout({ ...base, word1: 3 << 8, word2: 0 }, 1)).toMatchObject({
      word1: 1,
      word2: 3,
    });
    expect(toV5Layout({ ...base, word1: 9, word2: 0 }, 1)).toMatchObject({ word1: 2, word2: 9 });
    const running = { ...base, hasPid: true, state: 'started' as const, word1: 77 };
    expect(toV5Layout(running, 1)).toMatchObject({ state: 'started', word1: 77 });
  });
});
