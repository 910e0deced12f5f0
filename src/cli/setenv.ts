// setenv / unsetenv: one SETENV request per argument, as upstream sends them.

import { CommandContext } from './command';

/** Largest SETENV packet upstream's daemon accepts (its receive buffer). */
const MAX_PACKET = 1024;

/** Run setenv (unset=false) or unsetenv; resolves with the exit code. */
export async function setenvCommand(ctx: CommandContext, unset: boolean): Promise<number> {
  const port = await ctx.connect();
  for (const arg of ctx.cl.args) {
    const eq = arg.indexOf('=');
    let assignment = arg;
    if (eq === -1 && !unset) {
      assignment = `${arg}=${ctx.env[arg] ?? ''}`;
    } else if (eq !== -1 && unset) {
      ctx.err(`dinitctl: environment variable '${arg}' must not contain the '=' sign.\n`);
      return 1;
    }
    if (3 + assignment.length > MAX_PACKET) {
      const e = assignment.indexOf('=');
      ctx.err(
        `dinitctl: environment variable '${e === -1 ? assignment : assignment.slice(0, e)}' too long.\n`,
      );
      return 1;
    }
    if ((await port.setenv(assignment)).kind === 'badreq') {
      ctx.err('dinitctl: failed to export environment.\n');
      return 1;
    }
  }
  return 0;
}
