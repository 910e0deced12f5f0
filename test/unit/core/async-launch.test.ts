// Launches whose fork is reported after launch() returns (the spawner's pipelined path): the
// pid arrives with onSpawned, a start timeout counts from the fork, signals and stops asked for
// meanwhile reach the process, and a launch that never forked fails the start.

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';
import { ExecStage } from '../../../src/model';

function harness() {
  return new Harness({ execStatus: true, asyncLaunch: true, utmp: true });
}

describe('asynchronous launch', () => {
  test('a service shows no pid until its fork is reported, then that pid', () => {
    const h = harness().add(desc('a', { type: 'process', inittabId: 'a1' }));
    h.start('a');
    expect(h.state('a')).toBe('starting');
    expect(h.status('a').pid).toBe(0);
    expect(h.os.utmp).toEqual([]);
    const p = h.os.running('a');
    h.os.spawn(p);
    expect(h.status('a').pid).toBe(p.pid);
    expect(h.os.utmp).toEqual([`started a1  ${p.pid}`]);
    h.os.execOk(p);
    expect(h.state('a')).toBe('started');
  });

  test('a start timeout counts from the fork, not from the launch request', () => {
    const h = harness().add(desc('a', { type: 'process', startTimeoutMs: 1000 }));
    h.start('a');
    // The launch waits behind others for longer than the start timeout.
    h.os.advance(5000);
    expect(h.state('a')).toBe('starting');
    h.os.spawn('a');
    h.os.advance(999);
    expect(h.state('a')).toBe('starting');
    h.os.advance(1);
    expect(h.state('a')).toBe('stopping');
    expect(h.os.running('a').signals).toEqual([{ signal: 2, target: 'group' }]);
  });

  test('a stop asked for before the fork signals the process once it has exec’d', () => {
    const h = harness().add(desc('a', { type: 'process' }));
    h.start('a');
    h.stop('a');
    const p = h.os.running('a');
    h.os.spawn(p);
    expect(p.signals).toEqual([]);
    h.os.execOk(p);
    expect(p.signals).toEqual([{ signal: 15, target: 'group' }]);
    h.os.exit(p, signalled(15));
    expect(h.state('a')).toBe('stopped');
  });

  test('a launch that fails before its fork fails the start with its stage and errno', () => {
    const h = harness().add(desc('a', { type: 'process' }));
    h.start('a');
    h.os.execFail('a', ExecStage.DO_EXEC, 11, 'Resource temporarily unavailable');
    expect(h.state('a')).toBe('stopped');
    expect(h.status('a')).toMatchObject({
      pid: -1,
      stopReason: 'execfailed',
      execFailure: { stage: ExecStage.DO_EXEC, errno: 11 },
    });
  });

  test('a restart after an exit relaunches and takes the new pid from the fork', () => {
    const h = harness().add(desc('a', { type: 'process', restart: 'yes', restartDelayMs: 0 }));
    h.start('a');
    const first = h.os.running('a');
    h.os.spawn(first);
    h.os.execOk(first);
    h.os.advance(1000);
    h.os.exit(first, signalled(9));
    const second = h.os.running('a');
    expect(second).not.toBe(first);
    expect(h.status('a').pid).toBe(0);
    h.os.spawn(second);
    h.os.execOk(second);
    expect(h.state('a')).toBe('started');
    expect(h.status('a').pid).toBe(second.pid);
  });
});
