// After a launch: the bookkeeping record of a launched child, the one report that combines its
// exec outcome (Node's 'spawn' event, or the exec helper's status pipe) with its exit, and the
// readiness and buffered-output streams wired to the core's callbacks.

import type * as net from 'node:net';
import * as nodeOs from 'node:os';
import type { ProcessEvents } from '../../src/core/os';
import { ExecStage, type ExitStatus } from '../../src/model';

/** A platform's race-free reference to a process (a pidfd on Linux); closed with release(). */
export interface PidRef {
  release(): void;
}

/**
 * Bookkeeping for one launched child, until both its exit and its status pipe are in. It is the
 * ProcessHandle the core holds, so a pid reported after launch() returned (0 until then) is
 * seen through it.
 */
export interface ChildRecord {
  pid: number;
  ref: PidRef | undefined;
  /** Set once the exit has been reported (the pid may be reused from then on). */
  finished: boolean;
  /** watchPid() callers for this pid (a pid file naming a process we launched), if any. */
  watchers: Array<(s: ExitStatus | undefined) => void> | undefined;
  /** Launched by the spawner, which signals it and reports its exit. */
  viaSpawner?: boolean;
  /** Signals asked for before the spawner reported the fork (pid 0): [signal, group]. */
  heldSignals?: Array<[number, boolean]>;
  /** Its start time, once read for the journal (which asks after every service event). */
  startTime?: string;
}

/** What ExecOutcome needs from the adapter. */
export interface OutcomeHooks {
  strerror(errno: number): string;
  /** Called once, just before the report: forget the child, release its resources. */
  onFinished(exit: ExitStatus): void;
}

/**
 * Turns a child's exit and exec status into one report: onExecFailed when the exec helper
 * wrote a failing stage and errno, else onExecSucceeded (once) and then onExit. With the helper
 * the report waits for both the exit and the status pipe's close, which come in either order.
 */
export class ExecOutcome {
  private exit: ExitStatus | undefined;
  private statusOpen: boolean;
  private readonly statusChunks: Buffer[] = [];
  private execReported = false;

  constructor(
    private readonly rec: ChildRecord,
    private readonly events: ProcessEvents,
    viaHelper: boolean,
    private readonly hooks: OutcomeHooks,
  ) {
    this.statusOpen = viaHelper;
  }

  /** exec succeeded: Node's 'spawn' event, or the helper's status pipe closing empty. */
  execSucceeded(): void {
    if (this.execReported || this.rec.finished) return;
    this.execReported = true;
    this.events.onExecSucceeded?.();
  }

  /** The spawn itself failed (no pid): the exec of the command or of the helper. */
  spawnFailed(errno: number): void {
    if (this.rec.finished) return;
    this.rec.finished = true;
    this.events.onExecFailed(ExecStage.DO_EXEC, errno, this.hooks.strerror(errno));
  }

  /** Node's 'exit' event: code, or the name of the killing signal. */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit =
      code !== null
        ? { kind: 'exited', code }
        : { kind: 'signalled', signal: signalNumber(signal), coreDumped: false };
    this.finish();
  }

  /** Follows the helper's status pipe (null: the pipe could not be set up, no status). */
  readStatus(st: net.Socket | null): void {
    if (!st) {
      this.statusOpen = false;
      return;
    }
    st.on('data', (d: Buffer) => this.statusChunks.push(d));
    st.on('error', () => {});
    st.on('close', () => {
      this.statusOpen = false;
      if (this.statusChunks.length === 0) this.execSucceeded();
      this.finish();
    });
  }

  private finish(): void {
    const exit = this.exit;
    if (this.rec.finished || exit === undefined || this.statusOpen) return;
    if (this.statusChunks.length === 0) this.execSucceeded();
    this.rec.finished = true;
    this.hooks.onFinished(exit);
    const data = Buffer.concat(this.statusChunks);
    if (data.length >= 8) {
      // The helper writes the stage and the errno as two native-endian int32s.
      const le = nodeOs.endianness() === 'LE';
      const stage = le ? data.readInt32LE(0) : data.readInt32BE(0);
      const errno = le ? data.readInt32LE(4) : data.readInt32BE(4);
      this.events.onExecFailed(stage, errno, this.hooks.strerror(errno));
    } else {
      this.events.onExit(exit);
    }
  }
}

/**
 * Reports the first write on the readiness pipe as onReady, and its end without any write
 * (while the child still runs) as onReadinessClosed.
 */
export function watchReadiness(stream: net.Socket, rec: ChildRecord, events: ProcessEvents): void {
  let notified = false;
  stream.on('error', () => {});
  stream.on('data', () => {
    if (notified) return;
    notified = true;
    events.onReady?.();
  });
  stream.on('end', () => {
    if (!notified && !rec.finished) events.onReadinessClosed?.();
  });
}

/** Hands everything read from the output streams to the service's output buffer. */
export function forwardOutput(streams: net.Socket[], sink: (data: Buffer) => void): void {
  for (const s of streams) {
    s.on('data', (d: Buffer) => sink(d));
    s.on('error', () => {});
  }
}

function signalNumber(name: NodeJS.Signals | null): number {
  if (!name) return 0;
  return (nodeOs.constants.signals as Record<string, number>)[name] ?? 0;
}
