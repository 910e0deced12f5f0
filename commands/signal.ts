// dinitctl signal: send a signal to a service's process; --list shows the names.

import type { CommandRun } from '../src/cli/command';
import { jsonText } from '../src/cli/json';
import { connectAndLoad } from '../src/cli/ops';
import { SIGNAL_NAMES, parseSignal, signalNumber } from '../src/cli/signals';
import { CliError } from '../src/errors';

/** upstream's text for each way the daemon can refuse the signal. */
const REFUSED = {
  'no-pid':
    'dinitctl: could not get valid PID of service; service is not process-based or is in wrong state.\n',
  'bad-signal': 'dinitctl: provided signal was invalid.\n',
  'kill-error': 'dinitctl: failed sending signal to service.\n',
};

const run: CommandRun = async (ctx) => {
  const { cl } = ctx;
  if (cl.listSignals && cl.json) {
    const names = SIGNAL_NAMES.filter((n) => signalNumber(n) !== undefined);
    ctx.out(jsonText(names.map((name) => ({ name, number: signalNumber(name) }))));
    return 0;
  }
  if (cl.listSignals) {
    let s = 'dinitctl: The following signal names are supported:';
    for (const name of SIGNAL_NAMES) {
      const n = signalNumber(name);
      if (n !== undefined) s += `\ndinitctl: ${name.padEnd(5, ' ')}-> ${n}`;
    }
    ctx.out(s + '\n');
    return 0;
  }
  const signo = parseSignal(cl.signal as string);
  if (signo === undefined) {
    throw new CliError('EBADSIG', `'${cl.signal}' is not a valid signal name/number`);
  }
  const s = await connectAndLoad(ctx, cl.from as string, 2);
  if (s === undefined) return 1;
  const r = await s.port.signal(s.handle, signo);
  if (r.kind === 'ack') return 0;
  ctx.err(REFUSED[r.kind]);
  return 1;
};
export default run;
