// Keeps the set of pids that Node's libuv is waiting for (children started through
// child_process), so that the orphan reaper never reaps one of them: libuv reaps its children
// with waitpid(pid) and, if someone else reaped first, their 'exit' event never comes.

import * as childProcess from 'node:child_process';

const known = new Set<number>();
let installed = false;

/**
 * Starts tracking every child spawned through child_process in this process, by wrapping
 * ChildProcess.prototype.spawn once. Idempotent. spawnSync/execSync need no tracking: they
 * reap their child before returning, while no JavaScript (hence no reaper) can run.
 */
export function installChildRegistry(): void {
  if (installed) return;
  installed = true;
  const proto = childProcess.ChildProcess.prototype as unknown as {
    spawn(this: childProcess.ChildProcess, ...args: unknown[]): unknown;
  };
  const original = proto.spawn;
  proto.spawn = function wrappedSpawn(this: childProcess.ChildProcess, ...args: unknown[]) {
    const r = original.apply(this, args);
    const pid = this.pid;
    if (pid !== undefined) {
      known.add(pid);
      // 'exit' is emitted in the same tick in which libuv reaped the child.
      this.once('exit', () => known.delete(pid));
    }
    return r;
  };
}

/** Registers a child spawned before the registry was installed (the spawner, at start-up). */
export function registerLibuvChild(child: childProcess.ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  known.add(pid);
  child.once('exit', () => known.delete(pid));
}

/** True if libuv owns (will reap) this pid. */
export function isLibuvChild(pid: number): boolean {
  return known.has(pid);
}
