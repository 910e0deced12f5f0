// status / is-started / is-failed: one FINDSERVICE and one SERVICESTATUS.

import { CommandContext } from './command';
import { stateWord, statusBlock } from './format';
import { loadService } from './ops';

/** Run status, is-started or is-failed; resolves with the exit code. */
export async function serviceStatusCommand(
  ctx: CommandContext,
  command: 'status' | 'is-started' | 'is-failed',
): Promise<number> {
  const name = ctx.cl.args[0];
  const isStatus = command === 'status';
  const port = await ctx.connect();
  const r = await port.loadService(name, true);
  if (r.kind === 'noservice') {
    if (isStatus) ctx.err('dinitctl: service not loaded.\n');
    return 1;
  }
  const loaded = await loadService(ctx, port, name, {
    findOnly: true,
    writeError: isStatus,
    reply: r,
  });
  if (loaded === undefined) return 1;
  const st = await port.serviceStatus(loaded.handle);
  if (isStatus) {
    ctx.out(statusBlock(name, st));
    return 0;
  }
  if (ctx.verbose) ctx.out(stateWord(st.state) + '\n');
  if (command === 'is-started') return st.state === 'started' ? 0 : 1;
  const failed = ['depfailed', 'failed', 'execfailed', 'timedout'].includes(st.stopReason);
  return st.state === 'stopped' && failed ? 0 : 1;
}
