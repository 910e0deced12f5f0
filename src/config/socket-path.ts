// Where a Dinit instance's control socket is when none is given: one rule shared by dinit,
// dinitctl, dinit-check, dinit-monitor and dinit-shutdown.

import { userHome } from './service-dirs';

/** The system instance's control socket. */
export const SYSTEM_SOCKET_PATH = '/run/dinitctl';

/**
 * The control socket of an instance: /run/dinitctl for the system one; for a user instance
 * $XDG_RUNTIME_DIR/dinitctl, else <home>/.dinitctl with home from $HOME or, only when HOME is
 * unset, `passwdHome()`. Returns undefined when a user instance has no such directory.
 */
export function instanceSocketPath(
  user: boolean,
  env: Readonly<Record<string, string | undefined>>,
  passwdHome: () => string | undefined,
): string | undefined {
  if (!user) return SYSTEM_SOCKET_PATH;
  const rundir = env.XDG_RUNTIME_DIR;
  if (rundir !== undefined) return `${rundir}/dinitctl`;
  const home = env.HOME ?? passwdHome();
  return home === undefined ? undefined : `${home}/.dinitctl`;
}

/**
 * The socket a client talks to when not told: $DINIT_SOCKET_PATH when set, else the socket of
 * the user or system instance (instanceSocketPath, home from the password database). Returns
 * undefined when no directory can be determined for the user instance.
 */
export function clientSocketPath(user: boolean, env: NodeJS.ProcessEnv): string | undefined {
  return env.DINIT_SOCKET_PATH ?? instanceSocketPath(user, env, () => userHome(env));
}
