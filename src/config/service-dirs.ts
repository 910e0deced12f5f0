// Where service description files are searched for, and how a service name maps to a file.
// Mirrors upstream's default search paths for system and user mode.

import * as fs from 'node:fs';
import { toBytes } from '../bytes';
import { lookupUserById } from './users';

/**
 * The default service directories, in search order, when no `-d` option is given.
 *
 * User mode: `$XDG_CONFIG_HOME/dinit.d` (when set and non-empty), then `$HOME/.config/dinit.d`
 * (HOME from the environment, else the invoking user's passwd entry; skipped when it is the
 * same directory as the XDG one), then `/etc/dinit.d/user`, `/usr/lib/dinit.d/user`,
 * `/usr/local/lib/dinit.d/user`. When neither a config home nor a home directory can be found,
 * user mode falls back to the system list, as upstream does.
 *
 * System mode: `/etc/dinit.d`, `/run/dinit.d`, `/usr/local/lib/dinit.d`, `/lib/dinit.d`.
 * Never throws.
 */
export function defaultServiceDirs(mode: 'user' | 'system', env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (mode === 'user') {
    let xdg = env.XDG_CONFIG_HOME;
    if (xdg !== undefined && xdg !== '') {
      if (xdg.endsWith('/')) xdg = xdg.slice(0, -1);
      dirs.push(`${xdg}/dinit.d`);
    }
    const home = userHome(env);
    if (home !== undefined && home !== '') {
      const xdgIsHomeConfig = xdg !== undefined && xdg !== '' && xdg === `${home}/.config`;
      if (!xdgIsHomeConfig) dirs.push(`${home}/.config/dinit.d`);
    }
  }
  if (dirs.length > 0) {
    dirs.push('/etc/dinit.d/user', '/usr/lib/dinit.d/user', '/usr/local/lib/dinit.d/user');
  } else {
    dirs.push('/etc/dinit.d', '/run/dinit.d', '/usr/local/lib/dinit.d', '/lib/dinit.d');
  }
  return dirs;
}

/** HOME from the environment, else the home directory of the current uid from /etc/passwd. */
export function userHome(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HOME !== undefined) return env.HOME;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid === undefined) return undefined;
  return lookupUserById(uid)?.home;
}

/** The base name of a service name: the part before any `@argument`. */
export function serviceBaseName(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/**
 * The path of the description file for `name` (its `@argument`, if any, is ignored): the first
 * `<dir>/<base-name>` among `serviceDirs` that can be opened as a file. Returns undefined when no
 * directory holds one. The returned path is formed as upstream forms it (directory as given, then
 * '/', then the base name), not resolved. Never throws.
 */
export function findServiceFile(name: string, serviceDirs: readonly string[]): string | undefined {
  const base = serviceBaseName(name);
  for (const dir of serviceDirs) {
    const p = joinServicePath(dir, base);
    try {
      if (!fs.statSync(toBytes(p)).isDirectory()) return p;
    } catch {
      // Missing or unreadable here; keep searching, as upstream does for ENOENT.
    }
  }
  return undefined;
}

/** `dir + '/' + base`, without doubling a trailing slash (upstream's file naming). */
export function joinServicePath(dir: string, base: string): string {
  return dir.endsWith('/') ? dir + base : `${dir}/${base}`;
}
