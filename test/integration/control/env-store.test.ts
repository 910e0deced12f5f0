// EnvStore, the daemon's global environment behind SETENV / GETALLENV / LISTENENV: order,
// the "overridden" flag as Dinit computes it, start-up values without events, and listeners.

import { EnvStore } from '../../../src/daemon/env-store';
import { EnvError } from '../../../src/errors';

describe('EnvStore', () => {
  it('keeps initial variables first, then new ones in the order first set', () => {
    const e = new EnvStore({ B: '2', A: '1', SKIP: undefined });
    e.set('C=3');
    e.set('A=one');
    expect(e.entries()).toEqual(['B=2', 'A=one', 'C=3']);
    expect(e.toRecord()).toEqual({ B: '2', A: 'one', C: '3' });
  });

  it('applies env-file values without notifying listeners', () => {
    const e = new EnvStore({});
    const seen: string[] = [];
    e.addListener((v) => seen.push(v));
    e.applyInitial([['X', '1']]);
    expect(e.get('X')).toBe('1');
    expect(seen).toEqual([]);
  });

  it('reports overridden as Dinit does: set over a value, unset of a parent variable', () => {
    const e = new EnvStore({ HOME: '/h' });
    const seen: [string, boolean][] = [];
    e.addListener((v, o) => seen.push([v, o]));
    e.set('NEW=1'); // fresh
    e.set('NEW=2'); // replaces
    e.set('HOME=/x'); // replaces a parent variable
    e.unset('NEW'); // was set
    e.unset('NEVER'); // was never set
    e.unset('HOME'); // parent variable
    e.unset('HOME'); // already unset, but it came from the parent environment
    e.set('HOME=/y'); // after an explicit unset: a fresh definition
    expect(seen).toEqual([
      ['NEW=1', false],
      ['NEW=2', true],
      ['HOME=/x', true],
      ['NEW', true],
      ['NEVER', false],
      ['HOME', true],
      ['HOME', true],
      ['HOME=/y', false],
    ]);
  });

  it('allows an empty value and values containing =', () => {
    const e = new EnvStore({});
    e.set('A=');
    e.set('B=x=y');
    expect(e.entries()).toEqual(['A=', 'B=x=y']);
  });

  it('rejects a variable without =, an empty name, and a name with = to unset', () => {
    const e = new EnvStore({});
    expect(() => e.set('NOVALUE')).toThrow(EnvError);
    expect(() => e.set('=v')).toThrow(expect.objectContaining({ code: 'ERR_DINIT_ENV_VAR' }));
    expect(() => e.unset('A=1')).toThrow(EnvError);
  });

  it('removes listeners, and one throwing listener does not stop the others', () => {
    const e = new EnvStore({});
    const seen: string[] = [];
    const off = e.addListener(() => {
      throw new Error('broken listener');
    });
    e.addListener((v) => seen.push(v));
    e.set('A=1');
    off();
    expect(e.listenerCount).toBe(1);
    e.set('B=2');
    expect(seen).toEqual(['A=1', 'B=2']);
  });
});
