// dinit as PID 1: the Node process never stays PID 1. It replaces itself (execve through koffi)
// with the native init (adapters/native/init.c), which runs this same command line again as its
// child, the service manager, with a private channel (see init-link.ts).

import { findNativeProgram } from '../posix/native-programs';
import { fromText, toBytes } from '../../src/bytes';

/** Where the init is built; DINIT_INIT overrides (tests, packagers). */
export function findInit(): string | undefined {
  return findNativeProgram('dinit-init', 'DINIT_INIT', __dirname);
}

/**
 * Replace this process with the init, which starts `node <script> <args>` (byte strings) as its child. Returns
 * only on failure, with the reason (upstream-style sentence without the "dinit: " prefix).
 */
export function execInit(args: readonly string[], keepFds: readonly number[] = []): string {
  return execveInit([...nodeCommand(), ...args], keepFds);
}

/** node, its options and the script, as byte strings (src/bytes.ts), as the arguments are. */
function nodeCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]].map(fromText);
}

/**
 * Replace this manager with a new one in place (daemon-reexec): the same pid, so the services
 * stay its children; `keepFds` (the init's channel, log pipes) stay open under the same numbers.
 * Returns only on failure, with the reason.
 */
export function execManager(
  args: readonly string[],
  env: readonly string[],
  keepFds: readonly number[],
): string {
  const argv = [...nodeCommand(), ...args];
  return execveKeeping(fromText(process.execPath), argv, env, keepFds);
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
  const env = Object.entries(process.env)
    .filter(([k, v]) => v !== undefined && !k.startsWith('DINIT_INIT_'))
    .map(([k, v]) => fromText(`${k}=${v}`));
  const initPath = fromText(init);
  return `cannot run as PID 1: ${execveKeeping(initPath, [initPath, ...args], env, keepFds)}`;
}

/**
 * As PID 1, replace this process with `dinit-init --final TYPE`, which does only the final steps
 * (kill what is left, sync, unmount, reboot(2)). Returns only on failure, with the reason.
 */
export function execFinalInit(type: string): string {
  const init = findInit();
  if (init === undefined) return 'the init (adapters/native/build/dinit-init) is not built';
  return execveKeeping(fromText(init), [fromText(init), '--final', type], [], []);
}

/**
 * execve(2) through koffi, first making the console (0-2) and `keepFds` inheritable again: Node
 * marks every descriptor it inherited close-on-exec at start-up. Returns only on failure.
 */
function execveKeeping(
  file: string,
  argv: readonly string[],
  env: readonly string[],
  keepFds: readonly number[],
): string {
  type Fn = (...a: unknown[]) => number;
  let koffi: { load(name: string): { func(def: string): Fn }; errno(): number };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    koffi = require('koffi') as typeof koffi;
  } catch (e) {
    return `FFI (koffi) unavailable: ${(e as Error).message}`;
  }
  const lib = koffi.load('libc.so.6');
  const fcntl = lib.func('int fcntl(int, int, ...)');
  const execve = lib.func('int execve(const char *path, const char **argv, const char **envp)');
  const F_SETFD = 2;
  for (const fd of [0, 1, 2, ...keepFds]) fcntl(fd, F_SETFD, 'int', 0);
  // Byte strings, passed as their bytes (koffi would encode a string as UTF-8).
  const cstr = (s: string): Buffer => Buffer.concat([toBytes(s), Buffer.from([0])]);
  execve(cstr(file), [...argv.map(cstr), null], [...env.map(cstr), null]);
  return `execve ${file} failed (errno ${koffi.errno()})`;
}
