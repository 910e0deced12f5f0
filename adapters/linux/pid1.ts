// dinit as PID 1: the Node process never stays PID 1. It replaces itself (execve through koffi)
// with the native init (adapters/native/init.c), which runs this same command line again as its
// child, the service manager, with a private channel (see init-link.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the init is built; DINIT_INIT overrides (tests, packagers). */
export function findInit(): string | undefined {
  const override = process.env.DINIT_INIT;
  const candidates = override
    ? [override]
    : [
        // adapters/linux (ts-jest) and dist/adapters/linux -> <root>/adapters/native/build.
        path.resolve(__dirname, '..', 'native', 'build', 'dinit-init'),
        path.resolve(__dirname, '..', '..', '..', 'adapters', 'native', 'build', 'dinit-init'),
      ];
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // Try the next place.
    }
  }
  return undefined;
}

/**
 * Replace this process with the init, which starts `node <script> <args>` as its child. Returns
 * only on failure, with the reason (upstream-style sentence without the "dinit: " prefix).
 */
export function execInit(args: readonly string[], keepFds: readonly number[] = []): string {
  return execveInit([process.execPath, ...process.execArgv, process.argv[1], ...args], keepFds);
}

/**
 * Node marks every descriptor it inherited close-on-exec at start-up: the console (0-2) and any
 * descriptor named on the command line (--ready-fd) are made inheritable again first.
 */
function execveInit(args: readonly string[], keepFds: readonly number[]): string {
  const init = findInit();
  if (init === undefined) {
    return 'cannot run as PID 1: the init (adapters/native/build/dinit-init) is not built; run npm run build';
  }
  let execve: (p: string, argv: (string | null)[], envp: (string | null)[]) => number;
  let errno: () => number;
  let fcntl: (fd: number, cmd: number, type: string, arg: number) => number;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as {
      load(name: string): { func(def: string): unknown };
      errno(): number;
    };
    const lib = koffi.load('libc.so.6');
    execve = lib.func('int execve(const char *path, const char **argv, const char **envp)') as (
      p: string,
      argv: (string | null)[],
      envp: (string | null)[],
    ) => number;
    errno = () => koffi.errno();
    fcntl = lib.func('int fcntl(int, int, ...)') as typeof fcntl;
  } catch (e) {
    return `cannot run as PID 1: FFI (koffi) unavailable: ${(e as Error).message}`;
  }
  const argv = [init, ...args, null];
  const env: (string | null)[] = Object.entries(process.env)
    .filter(([k, v]) => v !== undefined && !k.startsWith('DINIT_INIT_'))
    .map(([k, v]) => `${k}=${v}`);
  env.push(null);
  const F_SETFD = 2;
  for (const fd of [0, 1, 2, ...keepFds]) fcntl(fd, F_SETFD, 'int', 0);
  execve(init, argv, env);
  return `cannot run as PID 1: execve ${init} failed (errno ${errno()})`;
}
