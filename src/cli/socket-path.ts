// Where dinitctl finds the daemon's control socket when -p is not given.

import { userHome } from '../config/service-dirs';

/** The system daemon's control socket. */
export const SYSTEM_SOCKET = '/run/dinitctl';

/**
 * The default control socket: $DINIT_SOCKET_PATH if set; for the user daemon
 * $XDG_RUNTIME_DIR/dinitctl, else <home>/.dinitctl; for the system daemon /run/dinitctl.
 * Returns undefined when no directory can be determined for the user daemon.
 */
export function defaultSocketPath(user: boolean, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.DINIT_SOCKET_PATH;
  if (fromEnv !== undefined) return fromEnv;
  if (!user) return SYSTEM_SOCKET;
  const run = env.XDG_RUNTIME_DIR;
  if (run !== undefined) return `${run}/dinitctl`;
  const home = userHome(env);
  if (home === undefined) return undefined;
  return `${home}/.dinitctl`;
}
