// The service manager's end of the private channel to the native init (adapters/native/init.c
// documents the protocol): tells the init the mode and the shutdown type, and hears about the
// exits of processes the init reaped (services whose manager died before they exited).

import * as fs from 'node:fs';
import * as net from 'node:net';
import type { ExitStatus } from '../model';

/** The manager's link to the init, present when the init started this process. */
export interface InitLink {
  /** How many managers the init started before this one since boot (0: a fresh boot). */
  readonly run: number;
  /** Send one message line (synchronously, so it is out before the process exits). */
  send(line: string): void;
  /** Exits the init reaped, replayed first and then as they happen. */
  onExit(cb: (pid: number, status: ExitStatus) => void): void;
  /** The exits received so far that no one claimed yet (pid -> status). */
  readonly unclaimed: Map<number, ExitStatus>;
}

const F_SETFD = 2;
const FD_CLOEXEC = 1;

/**
 * The link named by DINIT_INIT_FD / DINIT_INIT_RUN in env, which it removes from env (services
 * must not inherit them). Undefined when this process was not started by the init.
 */
export function takeInitLink(env: NodeJS.ProcessEnv): InitLink | undefined {
  const fdText = env.DINIT_INIT_FD;
  const run = Number(env.DINIT_INIT_RUN ?? '0');
  delete env.DINIT_INIT_FD;
  delete env.DINIT_INIT_RUN;
  if (fdText === undefined || !/^\d+$/.test(fdText)) return undefined;
  const fd = Number(fdText);
  setCloexec(fd);
  const listeners: ((pid: number, status: ExitStatus) => void)[] = [];
  const unclaimed = new Map<number, ExitStatus>();
  let partial = '';
  const sock = new net.Socket({ fd, readable: true, writable: false });
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^exit (\d+) (\d+) (-?\d+)$/.exec(line);
      if (m === null) continue;
      const pid = Number(m[1]);
      const code = Number(m[2]);
      const value = Number(m[3]);
      const status: ExitStatus =
        code === 1
          ? { kind: 'exited', code: value }
          : { kind: 'signalled', signal: value, coreDumped: code === 3 };
      if (listeners.length === 0) unclaimed.set(pid, status);
      for (const l of listeners) l(pid, status);
    }
  });
  // The init going away ends the channel; nothing to do but stop reading.
  sock.on('error', () => {});
  sock.unref();
  return {
    run: Number.isFinite(run) ? run : 0,
    unclaimed,
    send(line: string): void {
      try {
        fs.writeSync(fd, `${line}\n`);
      } catch {
        // The init is gone (only in tests): nothing to tell.
      }
    },
    onExit(cb): void {
      listeners.push(cb);
    },
  };
}

/** Keep the channel out of every service process the manager starts. */
function setCloexec(fd: number): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as {
      load(name: string): { func(def: string): (...a: unknown[]) => number };
    };
    const fcntl = koffi.load('libc.so.6').func('int fcntl(int, int, ...)');
    fcntl(fd, F_SETFD, 'int', FD_CLOEXEC);
  } catch {
    // Without koffi, services inherit the descriptor; harmless, as only the init reads it.
  }
}
