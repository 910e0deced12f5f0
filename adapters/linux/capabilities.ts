// Linux capabilities for the exec helper: parses the `capabilities` (IAB text, as libcap's
// cap_iab_from_text reads it) and `securebits` settings into the bit masks the helper applies.

import { CapsError } from '../../src/errors';
const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid',
  'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw',
  'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct',
  'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod',
  'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
]; // prettier-ignore

const SECUREBITS: Record<string, number> = {
  noroot: 1 << 0,
  'noroot-locked': 1 << 1,
  'no-setuid-fixup': 1 << 2,
  'no-setuid-fixup-locked': 1 << 3,
  'keep-caps': 1 << 4,
  'keep-caps-locked': 1 << 5,
};

/** The three IAB vectors as 64-bit masks (bit n = capability n). */
export interface IabMasks {
  inheritable: bigint;
  ambient: bigint;
  /** Capabilities to drop from the bounding set. */
  dropBounding: bigint;
}

function capNumber(name: string): number | undefined {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n < 64 ? n : undefined;
  }
  const lower = name.toLowerCase();
  if (!lower.startsWith('cap_')) return undefined;
  const i = CAP_NAMES.indexOf(lower.slice(4));
  return i >= 0 ? i : undefined;
}

/**
 * Parses IAB text: comma-separated capability names, each with optional prefixes: none or
 * '%' for inheritable, '^' for ambient (and inheritable), '!' to drop from the bounding set.
 * Whitespace also separates entries (so `+=` additions join cleanly). Throws CapsError.
 */
export function parseIab(text: string): IabMasks {
  const masks: IabMasks = { inheritable: 0n, ambient: 0n, dropBounding: 0n };
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    let i = 0;
    let inh = false;
    let amb = false;
    let nb = false;
    for (; i < word.length && '!^%'.includes(word[i]); i++) {
      if (word[i] === '!') nb = true;
      else if (word[i] === '^') amb = inh = true;
      else inh = true;
    }
    if (i === 0) inh = true;
    const cap = capNumber(word.slice(i));
    if (cap === undefined) throw new CapsError(`unknown capability: ${word}`, word);
    const bit = 1n << BigInt(cap);
    if (inh) masks.inheritable |= bit;
    if (amb) masks.ambient |= bit;
    if (nb) masks.dropBounding |= bit;
  }
  return masks;
}

/** Parses space-separated securebits flag names into the prctl(PR_SET_SECUREBITS) value. */
export function parseSecurebits(text: string): number {
  let bits = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const b = SECUREBITS[word];
    if (b === undefined) throw new CapsError(`unknown securebits flag: ${word}`, word);
    bits |= b;
  }
  return bits;
}

/** The helper's 'caps' instruction for these settings (masks in hex, securebits or '-'). */
export function capsHelperOps(
  capabilities: string | undefined,
  securebits: string | undefined,
): string[] {
  const m = parseIab(capabilities ?? '');
  const sb = securebits ? String(parseSecurebits(securebits)) : '-';
  return [
    'caps',
    m.inheritable.toString(16),
    m.ambient.toString(16),
    m.dropBounding.toString(16),
    sb,
  ];
}
