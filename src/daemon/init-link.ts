// The service manager's end of the private channel to the native init (adapters/native/init.c
// documents the protocol): tells the init the mode, the shutdown type and which log pipes to
// hold, and hears about the exits of processes the init reaped (services whose manager died).

import * as fs from 'node:fs';
import * as net from 'node:net';
import type { ExitStatus } from '../model';

/** The manager's link to the init, present when the init started this process. */
export interface InitLink {
  /** How many managers the init started before this one since boot (0: a fresh boot). */
  readonly run: number;
  /** The channel's descriptor (kept open across daemon-reexec). */
  readonly fd: number;
  /** Pipes the init held for the previous manager and passed on under the same numbers. */
  readonly held: readonly string[];
  /** Send one message line (synchronously, so it is out before the process exits). */
  send(line: string): void;
  /**
   * Calls cb with the status of pid once the init reports it (at once if it already did), or
   * with undefined when no report comes within a few seconds.
   */
  takeExit(pid: number, cb: (status: ExitStatus | undefined) => void): void;
}

const F_SETFD = 2;
const FD_CLOEXEC = 1;
/** Exits kept for a later takeExit (orphans' exits are reported too, and nobody claims them). */
const KEPT_EXITS = 512;
const REPORT_WAIT_MS = 3000;

/** Decodes one "exit PID CODE STATUS" line. */
function parseExit(line: string): [number, ExitStatus] | undefined {
  const m = /^exit (\d+) (\d+) (-?\d+)$/.exec(line);
  if (m === null) return undefined;
  const code = Number(m[2]);
  const value = Number(m[3]);
  const status: ExitStatus =
    code === 1
      ? { kind: 'exited', code: value }
      : { kind: 'signalled', signal: value, coreDumped: code === 3 };
  return [Number(m[1]), status];
}

/**
 * The link named by DINIT_INIT_FD / DINIT_INIT_RUN / DINIT_INIT_HELD in env, which it removes
 * from env (services must not inherit them). Undefined when the init did not start us.
 */
export function takeInitLink(env: NodeJS.ProcessEnv): InitLink | undefined {
  const fdText = env.DINIT_INIT_FD;
  const run = Number(env.DINIT_INIT_RUN ?? '0');
  const held = (env.DINIT_INIT_HELD ?? '').split(',').filter((k) => /^\d+:\d+$/.test(k));
  delete env.DINIT_INIT_FD;
  delete env.DINIT_INIT_RUN;
  delete env.DINIT_INIT_HELD;
  if (fdText === undefined || !/^\d+$/.test(fdText)) return undefined;
  const fd = Number(fdText);
  setCloexec(fd);
  const exits = new Map<number, ExitStatus>();
  const waiting = new Map<number, (status: ExitStatus | undefined) => void>();
  let partial = '';
  const sock = new net.Socket({ fd, readable: true, writable: false });
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const e = parseExit(line);
      if (e === undefined) continue;
      const w = waiting.get(e[0]);
      waiting.delete(e[0]);
      if (w !== undefined) w(e[1]);
      else exits.set(e[0], e[1]);
      if (exits.size > KEPT_EXITS) exits.delete(exits.keys().next().value as number);
    }
  });
  // The init going away ends the channel; nothing to do but stop reading.
  sock.on('error', () => {});
  sock.unref();
  return {
    run: Number.isFinite(run) ? run : 0,
    fd,
    held,
    send(line: string): void {
      try {
        fs.writeSync(fd, `${line}\n`);
      } catch {
        // The init is gone (only in tests): nothing to tell.
      }
    },
    takeExit(pid, cb): void {
      const seen = exits.get(pid);
      exits.delete(pid);
      if (seen !== undefined) {
        cb(seen);
        return;
      }
      const timer = setTimeout(() => {
        if (waiting.get(pid) !== done) return;
        waiting.delete(pid);
        cb(undefined);
      }, REPORT_WAIT_MS);
      const done = (s: ExitStatus | undefined): void => {
        clearTimeout(timer);
        cb(s);
      };
      waiting.set(pid, done);
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
