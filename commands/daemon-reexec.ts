// dinitctl daemon-reexec (dinit-ts): ask the service manager to execute itself again in place,
// keeping every service running; wait until the new manager answers on the control socket.

import type { CommandContext, CommandRun } from '../src/cli/command';

/** How long to wait for the new manager to answer. */
const ANSWER_WAIT_MS = 10_000;
const RETRY_MS = 50;

const FAILURES = {
  unsupported: 'daemon-reexec is not supported by this daemon',
  refused: 'the service manager cannot re-execute now (it is starting or shutting down)',
  failed: "the service manager could not re-execute; see the daemon's log",
  silent: 'the service manager did not answer again after re-executing',
} as const;

const run: CommandRun = async (ctx) => {
  const port = await ctx.connect();
  let outcome: keyof typeof FAILURES | 'closed';
  if ((await port.extensionVersion()) === null) outcome = 'unsupported';
  else {
    if (ctx.verbose) ctx.out('Re-executing the service manager...\n');
    outcome = await port.reexec();
  }
  port.close();
  if (outcome === 'closed') outcome = (await answersAgain(ctx)) ? 'closed' : 'silent';
  if (outcome !== 'closed') {
    ctx.err(`dinitctl: ${FAILURES[outcome]}\n`);
    return 1;
  }
  if (ctx.verbose) ctx.out('Service manager re-executed.\n');
  return 0;
};
export default run;

/** True once a new connection gets through the version handshake within ANSWER_WAIT_MS. */
async function answersAgain(ctx: CommandContext): Promise<boolean> {
  const deadline = Date.now() + ANSWER_WAIT_MS;
  for (;;) {
    try {
      (await ctx.connect()).close();
      return true;
    } catch {
      // Not listening yet: the new manager is still starting.
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
