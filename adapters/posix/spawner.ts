// The daemon's side of the spawner (adapters/native/spawner.c): starts it once, sends launch,
// signal and watch requests on a SOCK_SEQPACKET socketpair, and reads its events (exec outcome,
// every exit) from a pipe, a bounded number per turn of the event loop so that control
// connections are served between batches. The daemon itself never forks per launch.
//
// Requests (native int32s, then NUL-terminated byte strings):
//   launch: 1, id, nmap, nops, nargv, nenv, map[nmap], ops..., argv..., env...  + fds (SCM_RIGHTS)
//           map[i] says what child fd i gets: a passed fd's index, -1 /dev/null, -2 our stdio
//   signal: 2, pid, signal, group        watch: 3, pid
// Replies on the socket (launch, watch): pid or -1, stage, errno / isChild, 0, 0.
// Events on the pipe, 4 int32s: 0 hello (pid, subreaper); 1 started (id, pid); 2 failed (id,
// stage, errno); 3 exit (pid, si_code, si_status).

import * as childProcess from 'node:child_process';
import * as net from 'node:net';
import type { ExitStatus } from '../../src/model';
import type { Libc } from './ffi';
import type { LaunchPlan } from './helper-plan';
import type { ProcessSpec } from '../../src/core/os';
import { exitStatusFromSiginfo } from './reaper';
import type { UnixMsg } from './unix-msg';
import { toBytes } from '../../src/bytes';

/** Child fd map entries besides a passed fd's index. */
export const MAP_NULL = -1;
export const MAP_INHERIT = -2;
const LIMIT = {
  /** The largest request the spawner takes (its buffer); larger ones use child_process. */
  request: 200 * 1024,
  /** The spawner's limits on the child fd map and on the fds passed with one launch. */
  map: 64,
  fds: 16,
  /** Events handled per turn of the event loop before yielding to other I/O. */
  eventBudget: 128,
  /** How long a reply may take before the spawner is declared hung. */
  replyMs: 5000,
  /** Exits of pids nobody watches yet (adopted orphans), kept for a late watchPid. */
  recent: 256,
} as const;
/** Bytes of one event: four int32s. */
const EVENT_SIZE = 16;

export interface SpawnRequest {
  map: number[];
  fds: number[];
  ops: string[];
  argv: string[];
  env: string[];
}

/** What one launch reports, after the reply: exec outcome, then (if it exec'd) the exit. */
export interface SpawnCallbacks {
  started(): void;
  failed(stage: number, errno: number): void;
  exited(status: ExitStatus): void;
}

export type SpawnReply = { pid: number } | { stage: number; errno: number };

/** Talks to one running spawner process. */
export class Spawner {
  /** Set by the hello event: the spawner is a child subreaper. */
  subreaper = false;
  /** Called once if the spawner exits or stops answering; it is unusable afterwards. */
  onDeath: (() => void) | undefined;
  private alive = true;
  private nextId = 1;
  private readonly launches = new Map<number, { cb: SpawnCallbacks; pid: number }>();
  private readonly exits = new Map<number, (s: ExitStatus) => void>();
  private readonly recent = new Map<number, ExitStatus>();
  private readonly reply = Buffer.alloc(12);
  private pending: Buffer = Buffer.alloc(0);
  private draining = false;

  private constructor(
    private readonly sock: number,
    private readonly events: net.Socket,
    private readonly child: childProcess.ChildProcess,
    private readonly msg: UnixMsg,
    private readonly libc: Libc,
  ) {
    events.on('data', (d: Buffer) => this.receive(d));
    events.on('error', () => {});
    events.on('close', () => this.died());
    child.on('exit', () => this.died());
    child.on('error', () => this.died());
  }

  /**
   * Starts the spawner at path with its socket at fd 3 and the event pipe at fd 4. Throws
   * SysError when the socket or pipe cannot be made; a spawner that cannot run dies at once
   * and reports onDeath.
   */
  static start(path: string, libc: Libc, msg: UnixMsg): Spawner {
    const pair = msg.socketpair();
    if (typeof pair === 'number') throw new Error(`socketpair: ${libc.strerror(-pair)}`);
    const [evRead, evWrite] = libc.pipeCloexec();
    let child: childProcess.ChildProcess;
    try {
      child = childProcess.spawn(path, [], {
        stdio: ['inherit', 'inherit', 'inherit', pair[1], evWrite],
      });
    } finally {
      libc.close(pair[1]);
      libc.close(evWrite);
    }
    msg.setRecvTimeout(pair[0], LIMIT.replyMs);
    const events = new net.Socket({ fd: evRead, readable: true, writable: false });
    child.unref();
    events.unref();
    return new Spawner(pair[0], events, child, msg, libc);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The spawner's ChildProcess (libuv reaps it). */
  get process(): childProcess.ChildProcess {
    return this.child;
  }

  get running(): boolean {
    return this.alive;
  }

  /** Encodes a launch request; undefined when it is larger than the spawner takes. */
  static encode(id: number, r: SpawnRequest): Buffer | undefined {
    // Byte strings: one char per byte, passed as they are.
    const strings = toBytes([...r.ops, ...r.argv, ...r.env].map((s) => `${s}\0`).join(''));
    const head = [1, id, r.map.length, r.ops.length, r.argv.length, r.env.length, ...r.map];
    if (head.length * 4 + strings.length > LIMIT.request) return undefined;
    const buf = Buffer.alloc(head.length * 4 + strings.length);
    head.forEach((v, i) => buf.writeInt32LE(v, i * 4));
    strings.copy(buf, head.length * 4);
    return buf;
  }

  /**
   * Asks for a launch and waits for the fork (not the exec): returns the pid, or the stage and
   * errno of a failure before the fork. Undefined when the request is too large or the
   * spawner is gone (the caller launches another way). cb reports the rest.
   */
  launch(r: SpawnRequest, cb: SpawnCallbacks): SpawnReply | undefined {
    const id = this.nextId++;
    const data = Spawner.encode(id, r);
    if (!data || !this.alive) return undefined;
    const words = this.request(data, r.fds);
    if (!words) return undefined;
    if (words[0] < 0) return { stage: words[1], errno: words[2] };
    const pid = words[0];
    this.launches.set(id, { cb, pid });
    this.recent.delete(pid);
    this.exits.set(pid, (s) => cb.exited(s));
    return { pid };
  }

  /** Signals an unreaped child of the spawner (or its process group); false once it is gone. */
  signal(pid: number, signal: number, group: boolean): boolean {
    if (!this.alive) return false;
    const data = Buffer.alloc(16);
    [2, pid, signal, group ? 1 : 0].forEach((v, i) => data.writeInt32LE(v, i * 4));
    return this.msg.send(this.sock, data, []) > 0;
  }

  /**
   * Calls onExit with the status of pid, a child of the spawner (launched or adopted), when it
   * is reaped, or at once if it was reaped moments ago. False (and no call) when pid is not
   * the spawner's child.
   */
  watchExit(pid: number, onExit: (s: ExitStatus) => void): boolean {
    const seen = this.recent.get(pid);
    if (seen) {
      this.recent.delete(pid);
      onExit(seen);
      return true;
    }
    if (!this.isChild(pid)) {
      // Its exit may have been read while we asked.
      const late = this.recent.get(pid);
      if (!late) return false;
      this.recent.delete(pid);
      onExit(late);
      return true;
    }
    this.exits.set(pid, onExit);
    return true;
  }

  /** Stops watching pid (watchExit). */
  unwatch(pid: number, onExit: (s: ExitStatus) => void): void {
    if (this.exits.get(pid) === onExit) this.exits.delete(pid);
  }

  /** pid is the spawner's child, not yet reaped, or was reaped moments ago. */
  knows(pid: number): boolean {
    return this.recent.has(pid) || this.isChild(pid);
  }

  /** Pids of launched or watched children whose exit has not come yet. */
  watchedPids(): number[] {
    return [...this.exits.keys()];
  }

  /** Hands over (and forgets) every exit still awaited, for another reaper to report. */
  takeWatchers(): Array<[number, (s: ExitStatus) => void]> {
    const all = [...this.exits.entries()];
    this.exits.clear();
    return all;
  }

  /** Closes the socket: the spawner exits, its children stay (they pass to the next reaper). */
  dispose(): void {
    if (!this.alive) return;
    this.alive = false;
    this.onDeath = undefined;
    this.libc.close(this.sock);
    this.events.destroy();
  }

  private isChild(pid: number): boolean {
    if (!this.alive || pid <= 0) return false;
    const data = Buffer.alloc(8);
    data.writeInt32LE(3, 0);
    data.writeInt32LE(pid, 4);
    const words = this.request(data, []);
    return words !== undefined && words[0] === 1;
  }

  /** Sends a request and reads its reply (three int32s); undefined if the spawner failed. */
  private request(data: Buffer, fds: readonly number[]): [number, number, number] | undefined {
    if (this.msg.send(this.sock, data, fds) < 0 || this.msg.recv(this.sock, this.reply) !== 12) {
      this.died();
      return undefined;
    }
    const r = this.reply;
    return [r.readInt32LE(0), r.readInt32LE(4), r.readInt32LE(8)];
  }

  private died(): void {
    const first = this.onDeath;
    this.onDeath = undefined;
    this.dispose();
    first?.();
  }

  private receive(d: Buffer): void {
    this.pending = this.pending.length === 0 ? d : Buffer.concat([this.pending, d]);
    this.drain();
  }

  /** Handles up to LIMIT.eventBudget events, then yields to other I/O and continues. */
  private drain(): void {
    let n = 0;
    while (this.pending.length >= EVENT_SIZE && n < LIMIT.eventBudget) {
      const p = this.pending;
      this.pending = p.subarray(EVENT_SIZE);
      this.dispatch(p.readInt32LE(0), p.readInt32LE(4), p.readInt32LE(8), p.readInt32LE(12));
      n++;
    }
    if (this.pending.length < EVENT_SIZE || this.draining) return;
    this.draining = true;
    this.events.pause();
    setImmediate(() => {
      this.draining = false;
      this.events.resume();
      this.drain();
    });
  }

  private dispatch(type: number, a: number, b: number, c: number): void {
    if (type === 0) {
      this.subreaper = b === 1;
      return;
    }
    if (type === 3) {
      this.exited(a, exitStatusFromSiginfo(b, c));
      return;
    }
    const launch = this.launches.get(a);
    if (!launch) return;
    this.launches.delete(a);
    if (type === 1) {
      launch.cb.started();
    } else if (type === 2) {
      // A child that failed before exec is reaped by the spawner without an exit event.
      this.exits.delete(launch.pid);
      launch.cb.failed(b, c);
    }
  }

  private exited(pid: number, status: ExitStatus | undefined): void {
    const st = status ?? { kind: 'exited', code: 0 };
    const cb = this.exits.get(pid);
    if (cb) {
      this.exits.delete(pid);
      cb(st);
      return;
    }
    this.recent.delete(pid);
    this.recent.set(pid, st);
    if (this.recent.size > LIMIT.recent) {
      const oldest = this.recent.keys().next().value as number;
      this.recent.delete(oldest);
    }
  }
}

/**
 * The spawner request for a launch plan: the child fd map, the daemon fds to pass, the
 * pre-exec instructions, argv and environment. Undefined when the plan needs something only
 * child_process gives (a pipe made by Node, our own fd above 2) or too many fds.
 */
export function spawnRequest(spec: ProcessSpec, plan: LaunchPlan): SpawnRequest | undefined {
  const fds: number[] = [];
  const map: number[] = [];
  for (const [i, src] of plan.stdio.entries()) {
    if (src === 'ignore') map.push(MAP_NULL);
    else if (src === 'inherit' && i <= 2) map.push(MAP_INHERIT);
    else if (typeof src !== 'number') return undefined;
    else {
      if (!fds.includes(src)) fds.push(src);
      map.push(fds.indexOf(src));
    }
  }
  if (map.length > LIMIT.map || fds.length > LIMIT.fds) return undefined;
  const env = Object.entries(plan.env).map(([k, v]) => `${k}=${v}`);
  return { map, fds, ops: plan.helperOps, argv: spec.argv, env };
}
