// Signal names dinitctl accepts (the same short list as service files), and their numbers here.

import { constants } from 'node:os';

/** Names without the SIG prefix, in the order `signal --list` prints them. */
export const SIGNAL_NAMES = [
  'HUP',
  'INT',
  'QUIT',
  'KILL',
  'USR1',
  'USR2',
  'TERM',
  'CONT',
  'STOP',
  'INFO',
];

/** The number of a supported signal name on this OS, or undefined. */
export function signalNumber(name: string): number | undefined {
  if (!SIGNAL_NAMES.includes(name)) return undefined;
  return (constants.signals as Record<string, number | undefined>)[`SIG${name}`];
}

/**
 * Parse a signal as given on the command line: a supported name, else a whole decimal integer
 * (leading whitespace and a sign allowed, as strtol-style parsing does). Undefined when neither.
 */
export function parseSignal(text: string): number | undefined {
  const n = signalNumber(text);
  if (n !== undefined) return n;
  if (!/^\s*[+-]?\d+$/.test(text)) return undefined;
  const v = parseInt(text, 10);
  if (v > 2147483647 || v < -2147483648) return undefined;
  return v;
}
