// Parsing of the capabilities (IAB text) and securebits settings for the exec helper.

import { capsHelperOps, parseIab, parseSecurebits } from '../../../adapters/linux/capabilities';
import { CapsError } from '../../../src/errors';

describe('parseIab', () => {
  it('puts unprefixed and % names in the inheritable vector', () => {
    expect(parseIab('cap_chown,%cap_kill')).toEqual({
      inheritable: (1n << 0n) | (1n << 5n),
      ambient: 0n,
      dropBounding: 0n,
    });
  });

  it('puts ^ names in the ambient and inheritable vectors', () => {
    expect(parseIab('^cap_net_bind_service')).toEqual({
      inheritable: 1n << 10n,
      ambient: 1n << 10n,
      dropBounding: 0n,
    });
  });

  it('drops ! names from the bounding set only', () => {
    expect(parseIab('!cap_sys_admin')).toEqual({
      inheritable: 0n,
      ambient: 0n,
      dropBounding: 1n << 21n,
    });
  });

  it('accepts numbers, upper case and whitespace-joined additions', () => {
    expect(parseIab('CAP_SETUID, 40 !^cap_bpf')).toEqual({
      inheritable: (1n << 7n) | (1n << 40n) | (1n << 39n),
      ambient: 1n << 39n,
      dropBounding: 1n << 39n,
    });
  });

  it('rejects unknown names with code ECAPS', () => {
    expect(() => parseIab('cap_flying')).toThrow(CapsError);
    expect(() => parseIab('chown')).toThrow(/unknown capability: chown/);
  });
});

describe('parseSecurebits', () => {
  it('combines the flag names', () => {
    expect(parseSecurebits('keep-caps noroot-locked')).toBe((1 << 4) | (1 << 1));
    expect(parseSecurebits('')).toBe(0);
  });

  it('rejects unknown flags', () => {
    expect(() => parseSecurebits('keep-caps nonsense')).toThrow(
      /unknown securebits flag: nonsense/,
    );
  });
});

describe('capsHelperOps', () => {
  it('encodes masks in hex and securebits in decimal', () => {
    expect(capsHelperOps('^cap_kill', 'noroot')).toEqual(['caps', '20', '20', '0', '1']);
    expect(capsHelperOps(undefined, undefined)).toEqual(['caps', '0', '0', '0', '-']);
  });
});
