// status / is-started / is-failed: one FINDSERVICE and one SERVICESTATUS; with --json the
// answer as JSON, with --stats (status) the figures of the service's processes.

import { CommandContext } from './command';
import { stateWord, statusBlock } from './format';
import { jsonText, serviceJson, unloadedJson } from './json';
import { loadService } from './ops';
import { measureStats, runningPid, statsLines } from './stats';
import type { StatusInfo } from './port';

type StatusCommand = 'status' | 'is-started' | 'is-failed';

/** Whether the status says the service failed to start (is-failed's answer). */
function hasFailed(st: StatusInfo): boolean {
  const failed = ['depfailed', 'failed', 'execfailed', 'timedout'].includes(st.stopReason);
  return st.state === 'stopped' && failed;
}

/** Print the answer of `command` for a loaded service; returns the exit code. */
async function answer(
  ctx: CommandContext,
  command: StatusCommand,
  name: string,
  st: StatusInfo,
): Promise<number> {
  const ok =
    command === 'status' || (command === 'is-started' ? st.state === 'started' : hasFailed(st));
  const pid = runningPid(st);
  const stats = ctx.cl.stats && pid !== undefined ? (await measureStats([st])).get(pid) : undefined;
  if (ctx.cl.json) {
    const extra =
      command === 'status' ? {} : { [command === 'is-started' ? 'started' : 'startFailed']: ok };
    ctx.out(jsonText({ ...serviceJson(name, st, stats), ...extra }));
  } else if (command === 'status') {
    ctx.out(statusBlock(name, st) + (stats !== undefined ? statsLines(stats) : ''));
  } else if (ctx.verbose) {
    ctx.out(stateWord(st.state) + '\n');
  }
  return ok ? 0 : 1;
}

/** Run status, is-started or is-failed; resolves with the exit code. */
export async function serviceStatusCommand(
  ctx: CommandContext,
  command: StatusCommand,
): Promise<number> {
  const name = ctx.cl.args[0];
  const isStatus = command === 'status';
  const port = await ctx.connect();
  const r = await port.loadService(name, true);
  if (r.kind === 'noservice') {
    if (ctx.cl.json) ctx.out(jsonText(unloadedJson(name)));
    else if (isStatus) ctx.err('dinitctl: service not loaded.\n');
    return 1;
  }
  const loaded = await loadService(ctx, port, name, {
    findOnly: true,
    writeError: isStatus,
    reply: r,
  });
  if (loaded === undefined) return 1;
  return answer(ctx, command, name, await port.serviceStatus(loaded.handle));
}
