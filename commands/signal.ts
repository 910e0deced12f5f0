// dinitctl signal: send a signal to a service's process; --list shows the names.

import { CommandSpec, FLAGS } from '../src/cli/command';
import { loadService } from '../src/cli/ops';
import { SIGNAL_NAMES, parseSignal, signalNumber } from '../src/cli/signals';
import { CliError } from '../src/errors';
import { ControlError } from '../src/errors';

const spec: CommandSpec = {
  id: 'signal',
  summary: "Send a signal to a service's process",
  usage: 'signal <signal> <service-name>',
  args: [
    { name: 'signal', description: 'signal name (HUP, TERM, ...) or number', required: true },
    { name: 'service-name', description: 'name of the service', required: true },
  ],
  flags: [FLAGS.list],
  async run(ctx) {
    const { cl } = ctx;
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
    const name = cl.from as string;
    const port = await ctx.connect();
    if (port.protocolVersion < 2) throw new ControlError('old-server', 'daemon too old');
    const s = await loadService(ctx, port, name);
    if (s === undefined) return 1;
    switch (await port.signal(s.handle, signo)) {
      case 'ack':
        return 0;
      case 'nopid':
        ctx.err(
          'dinitctl: could not get valid PID of service; service is not process-based or is in wrong state.\n',
        );
        return 1;
      case 'badsig':
        ctx.err('dinitctl: provided signal was invalid.\n');
        return 1;
      case 'killerr':
        ctx.err('dinitctl: failed sending signal to service.\n');
        return 1;
    }
  },
};
export default spec;
