// Multi-step scenarios where request order matters: a stop during a restart, failure of a
// hard dependency with a soft sibling, waits-for across restarts.

import { desc, Harness } from './helpers';
import { signalled } from '../../support/fake-os';

const TERM = signalled(15);

describe('stop during restart', () => {
  test('a stop issued while a restart is stopping cancels the restart', () => {
    const h = new Harness().add(desc('p', { type: 'process' }));
    h.start('p');
    h.restart('p');
    expect(h.state('p')).toBe('stopping');
    h.stop('p');
    h.os.exit('p', TERM);
    expect(h.state('p')).toBe('stopped');
    expect(h.os.launchesOf('p')).toHaveLength(1);
  });

  test('a stop of the dependency during its restart also keeps the dependent down', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.restart('b', true);
    expect(h.state('a')).toBe('stopping');
    h.stop('b');
    h.os.exit('a', TERM);
    h.os.exit('b', TERM);
    expect(h.state('a')).toBe('stopped');
    expect(h.state('b')).toBe('stopped');
  });

  test('stopping the dependent during a restart cancels the dependency restart when nothing else needs it', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.restart('b', true);
    h.stop('a');
    h.os.exit('a', TERM);
    h.os.exit('b', TERM);
    expect(h.state('b')).toBe('stopped');
    expect(h.os.launchesOf('b')).toHaveLength(1);
  });

  test('stopping the dependent during a restart keeps the restart of an explicitly active dependency', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.start('b');
    h.restart('b', true);
    h.stop('a');
    h.os.exit('a', TERM);
    h.os.exit('b', TERM);
    expect(h.state('a')).toBe('stopped');
    expect(h.state('b')).toBe('started');
    expect(h.os.launchesOf('b')).toHaveLength(2);
  });
});

describe('failures', () => {
  test('a failed hard dependency fails the dependent and releases its soft dependencies', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('top', { dependsOn: ['hard'], waitsFor: ['soft'] }),
      desc('hard', { type: 'process' }),
      desc('soft', { type: 'process', options: { startInterruptible: true } }),
    );
    h.start('top');
    h.os.execFail('hard');
    expect(h.state('top')).toBe('stopped');
    expect(h.state('hard')).toBe('stopped');
    // soft was starting and is interrupted
    expect(h.os.running('soft').signals).toEqual([{ signal: 2, target: 'group' }]);
    h.os.exit('soft', signalled(2));
    expect(h.state('soft')).toBe('stopped');
  });

  test('a waits-for dependency that restarts is waited for again when the dependent restarts', () => {
    const h = new Harness({ execStatus: true }).add(
      desc('a', { type: 'process', waitsFor: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.os.execOk('b');
    h.os.execOk('a');
    expect(h.state('a')).toBe('started');
    h.restart('a');
    h.os.exit('a', TERM);
    expect(h.state('a')).toBe('starting');
    h.os.execOk('a');
    expect(h.state('a')).toBe('started');
    expect(h.os.launchesOf('b')).toHaveLength(1);
  });

  test('events: losing the last dependent while stopping to restart is reported as startcancelled', () => {
    const h = new Harness().add(
      desc('a', { type: 'process', dependsOn: ['b'] }),
      desc('b', { type: 'process' }),
    );
    h.start('a');
    h.restart('b', true);
    h.stop('a');
    h.os.exit('a', TERM);
    expect(h.eventsOf('b')).toEqual(['started', 'startcancelled']);
    h.os.exit('b', TERM);
    expect(h.eventsOf('b')).toEqual(['started', 'startcancelled', 'stopped']);
  });
});
