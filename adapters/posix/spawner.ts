// The daemon's side of the spawner (adapters/native/spawner.c): starts it once, sends launch,
// signal and watch requests on a SOCK_SEQPACKET socketpair, and reads its events (fork, exec
// outcome, every exit) from a pipe, a bounded number per turn of the event loop so that control
// connections are served between batches. The daemon itself never forks per launch, and never
// waits for a launch: requests are queued and sent without blocking (a window of them in flight
// at once), and the pid and the exec outcome come back as events.
//
// Requests (native int32s, then NUL-terminated byte strings):
//   launch: 1, id, nmap, nops, nargv, nenv, map[nmap], ops..., argv..., env...  + fds (SCM_RIGHTS)
//           map[i] says what child fd i gets: a passed fd's index, -1 /dev/null, -2 our stdio
//   signal: 2, then (pid, signal, group) for each of one or more signals      watch: 3, pid
// Reply on the socket (watch only): isChild, 0, 0.
// Events on the pipe, 4 int32s: 0 hello (pid, subreaper); 4 forked (id, pid); 1 started (id,
// pid); 2 failed (id, stage, errno), before or after forked; 3 exit (pid, si_code, si_status).

import * as childProcess from 'node:child_process';
import * as net from 'node:net';
import { ExecStage, type ExitStatus } from '../../src/model';
import type { Libc } from './ffi';
import type { LaunchPlan } from './helper-plan';
import type { ProcessSpec } from '../../src/core/os';
import { exitStatusFromSiginfo } from './reaper';
import type { UnixMsg } from './unix-msg';

/** Child fd map entries besides a passed fd's index. */
export const MAP_NULL = -1;
export const MAP_INHERIT = -2;
const LIMIT = {
  /** The largest request the spawner takes (its buffer); larger ones use child_process. */
  request: 200 * 1024,
  /**
   * Launch requests sent and not yet forked, and their bytes: enough to keep the spawner busy,
   * few enough that the socket's send buffer takes them without blocking (a larger request
   * still goes alone).
   */
  inFlight: 64,
  inFlightBytes: 96 * 1024,
  /** When the socket was full with nothing in flight to wake us, try again after this. */
  retryMs: 2,
  /**
   * Signals sent in one request (12 bytes each, well within the spawner's buffer); a full
   * batch goes at once, and the spawner reaps between requests. The first batch of a burst is
   * smaller, so that the spawner starts on it while the daemon works out the rest.
   */
  signalBatch: 64,
  firstSignalBatch: 8,
  /** The spawner's limits on the child fd map and on the fds passed with one launch. */
  map: 64,
  fds: 16,
  /** Events handled per turn of the event loop before yielding to other I/O. */
  eventBudget: 128,
  /** How long a watch reply may take before the spawner is declared hung. */
  replyMs: 5000,
  /** Exits of pids nobody watches yet (adopted orphans), kept for a late watchPid. */
  recent: 256,
} as const;
/** Bytes of one event: four int32s. */
const EVENT_SIZE = 16;

/** The little-endian int32 at `at`. */
function int32At(b: Buffer, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

/** Writes byte string s and its NUL at `at`; returns the offset after them. */
function putString(buf: Buffer, at: number, s: string): number {
  const next = at + buf.write(s, at, 'latin1');
  buf[next] = 0;
  return next + 1;
}

export interface SpawnRequest {
  map: number[];
  fds: number[];
  ops: string[];
  argv: string[];
  /** Byte strings, sent as NAME=VALUE. */
  env: Readonly<Record<string, string>>;
}

/**
 * What one launch reports, in this order: sent (the request left the daemon, with its fds),
 * forked (the pid), then the exec outcome (started or failed) and, if it exec'd, the exit.
 * failed may also come without forked: the request was refused or the fork failed.
 */
export interface SpawnCallbacks {
  sent(): void;
  forked(pid: number): void;
  started(): void;
  failed(stage: number, errno: number): void;
  exited(status: ExitStatus): void;
}

/** A launch request, queued or sent, until its fork (or failure) is reported. */
export interface QueuedLaunch {
  id: number;
  /** The request until it is sent (encoded only then, into one buffer shared by all). */
  req: SpawnRequest | undefined;
  /** Its size in bytes, encoded. */
  size: number;
  cb: SpawnCallbacks;
  /** Set once sent. */
  sent: boolean;
  /** Set once forked. */
  pid: number;
}

/** A watchExit callback, or a launch's callbacks (kept as they are: no closure per process). */
type ExitWatcher = ((s: ExitStatus) => void) | SpawnCallbacks;

function deliverExit(w: ExitWatcher, s: ExitStatus): void {
  if (typeof w === 'function') w(s);
  else w.exited(s);
}

const ECHILD = 10;
const EAGAIN = 11;

/**
 * The event pipe's reads: each goes straight to the spawner (the socket's onread option)
 * rather than through its readable stream, whose machinery (chunk queue, a tick per read)
 * ran at every event.
 */
class EventReads {
  to: ((n: number, buf: Buffer) => void) | undefined;
  readonly option: net.OnReadOpts = {
    buffer: Buffer.allocUnsafe(64 * 1024),
    callback: (n, buf) => {
      this.to?.(n, buf as Buffer);
      return true;
    },
  };
}

/** Talks to one running spawner process. */
export class Spawner {
  /** Set by the hello event: the spawner is a child subreaper. */
  subreaper = false;
  /** Called once if the spawner exits or stops answering; it is unusable afterwards. */
  onDeath: (() => void) | undefined;
  private alive = true;
  private nextId = 1;
  /** Launches by id, from the request until the exec outcome. */
  private readonly launches = new Map<number, QueuedLaunch>();
  /** Launch requests not sent yet, oldest first (from queueHead on). */
  private queue: QueuedLaunch[] = [];
  private queueHead = 0;
  /** Launch requests sent and not yet forked, and their bytes. */
  private inFlight = 0;
  private inFlightBytes = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Signals asked for in the current turn, as (pid, signal, group) triples, sent together. */
  private signals: number[] = [];
  /** Signals that make a full batch in this burst (see LIMIT.firstSignalBatch). */
  private signalBatch: number = LIMIT.firstSignalBatch;
  /** Who awaits each child's exit: a watcher, or (a launch of ours) its callbacks. */
  private readonly exits = new Map<number, ExitWatcher>();
  private readonly recent = new Map<number, ExitStatus>();
  private readonly reply = Buffer.alloc(12);
  /**
   * Where each launch request is encoded just before it is sent (sendmsg copies it): the
   * queued ones keep their strings, which are mostly shared with the description and the
   * global environment, rather than a buffer each that only a full collection would free.
   */
  private scratch = Buffer.alloc(4096);
  /** The scratch buffer's header words (the request's fixed part and the fd map). */
  private scratchInts = new Int32Array(this.scratch.buffer, this.scratch.byteOffset, 6 + 64);
  /** The encoded environment of the last request (see envBytes). */
  private lastEnv: { record: object; bytes: Buffer; count: number } | undefined;
  private pending: Buffer = Buffer.alloc(0);
  /** Where the unread events in pending begin. */
  private pendingAt = 0;
  private draining = false;

  private constructor(
    private readonly sock: number,
    private readonly events: net.Socket,
    reads: EventReads,
    private readonly child: childProcess.ChildProcess,
    private readonly msg: UnixMsg,
    private readonly libc: Libc,
  ) {
    reads.to = (n, buf) => this.receive(n, buf);
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
    const reads = new EventReads();
    // Node takes onread here too (its types list it for connect only).
    const opts = { fd: evRead, readable: true, writable: false, onread: reads.option };
    const events = new net.Socket(opts as net.SocketConstructorOpts);
    child.unref();
    events.unref();
    return new Spawner(pair[0], events, reads, child, msg, libc);
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

  /** The size of a launch request, encoded (strings are byte strings: a char is a byte). */
  private requestSize(r: SpawnRequest): number {
    // Indexed loops: the daemon's V8 runs bytecode only, where each for-of step allocates.
    let n = 4 * (6 + r.map.length);
    for (let i = 0; i < r.ops.length; i++) n += r.ops[i].length + 1;
    for (let i = 0; i < r.argv.length; i++) n += r.argv[i].length + 1;
    // The environment as encode() writes it: encoded once per record, not measured each time.
    return n + this.envBytes(r.env).bytes.length;
  }

  /**
   * Encodes a launch request at the start of the scratch buffer (grown to fit); returns its
   * size. The header is written through an Int32Array (native order, as the spawner reads
   * it), the environment copied from its bytes, encoded once per record.
   */
  private encode(id: number, r: SpawnRequest, size: number): number {
    if (this.scratch.length < size) {
      this.scratch = Buffer.alloc(Math.max(size, 2 * this.scratch.length));
      this.scratchInts = new Int32Array(this.scratch.buffer, this.scratch.byteOffset, 6 + 64);
    }
    const buf = this.scratch;
    const ints = this.scratchInts;
    const env = this.envBytes(r.env);
    ints[0] = 1;
    ints[1] = id;
    ints[2] = r.map.length;
    ints[3] = r.ops.length;
    ints[4] = r.argv.length;
    ints[5] = env.count;
    for (let i = 0; i < r.map.length; i++) ints[6 + i] = r.map[i];
    let at = 4 * (6 + r.map.length);
    for (let i = 0; i < r.ops.length; i++) at = putString(buf, at, r.ops[i]);
    for (let i = 0; i < r.argv.length; i++) at = putString(buf, at, r.argv[i]);
    buf.set(env.bytes, at);
    return at + env.bytes.length;
  }

  /** NAME=VALUE\0 for every variable of env, kept for the last record seen (usually shared). */
  private envBytes(env: Readonly<Record<string, string>>): { bytes: Buffer; count: number } {
    if (this.lastEnv?.record !== env) {
      const names = Object.keys(env);
      let text = '';
      for (let i = 0; i < names.length; i++) text += `${names[i]}=${env[names[i]]}\0`;
      this.lastEnv = { record: env, bytes: Buffer.from(text, 'latin1'), count: names.length };
    }
    return this.lastEnv;
  }

  /**
   * Queues a launch; it is sent as soon as the window of launches in flight allows, without
   * blocking. False when the request is too large for the spawner or the spawner is gone (the
   * caller launches another way); otherwise cb reports everything that follows.
   */
  launch(r: SpawnRequest, cb: SpawnCallbacks): boolean {
    if (!this.alive) return false;
    const size = this.requestSize(r);
    if (size > LIMIT.request) return false;
    const l: QueuedLaunch = { id: this.nextId++, req: r, size, cb, sent: false, pid: -1 };
    this.launches.set(l.id, l);
    this.queue.push(l);
    this.pump();
    return true;
  }

  /**
   * Takes over the launches another spawner had queued and not sent (it died): they go out
   * through this one, under new ids.
   */
  adopt(unsent: readonly QueuedLaunch[]): void {
    for (const l of unsent) {
      l.id = this.nextId++;
      this.launches.set(l.id, l);
      this.queue.push(l);
    }
    this.pump();
  }

  /** Sends queued launches while the window allows and the socket takes them. */
  private pump(): void {
    while (this.alive && this.queueHead < this.queue.length) {
      const l = this.queue[this.queueHead];
      if (
        this.inFlight > 0 &&
        (this.inFlight >= LIMIT.inFlight || this.inFlightBytes + l.size > LIMIT.inFlightBytes)
      )
        break;
      const req = l.req as SpawnRequest;
      const len = this.encode(l.id, req, l.size);
      const n = this.msg.send(this.sock, this.scratch.subarray(0, len), req.fds, true);
      if (n === -EAGAIN) {
        // Full: the next event wakes us, or (nothing in flight) a short timer.
        if (this.inFlight === 0 && !this.retry) {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.pump();
          }, LIMIT.retryMs);
          this.retry.unref();
        }
        break;
      }
      if (n < 0) {
        this.died();
        return;
      }
      this.queueHead++;
      l.sent = true;
      l.req = undefined;
      this.inFlight++;
      this.inFlightBytes += l.size;
      l.cb.sent();
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** A sent launch has been forked, or has failed before that. */
  private landed(l: QueuedLaunch): void {
    this.inFlight--;
    this.inFlightBytes -= l.size;
  }

  /**
   * Signals an unreaped child of the spawner (or its process group); false once it is gone.
   * Signals go out many to a request: a full batch at once, so that the spawner signals (and
   * reaps) while the daemon still works through a stop of every service, and the rest as soon
   * as the code that asked for them returns.
   */
  signal(pid: number, signal: number, group: boolean): boolean {
    if (!this.alive) return false;
    if (this.signals.length === 0) queueMicrotask(() => this.endSignalBurst());
    this.signals.push(pid, signal, group ? 1 : 0);
    if (this.signals.length >= 3 * this.signalBatch) {
      this.sendSignals();
      this.signalBatch = LIMIT.signalBatch;
    }
    return true;
  }

  /** Sends what the code that asked for signals left, once it has returned. */
  private endSignalBurst(): void {
    this.sendSignals();
    this.signalBatch = LIMIT.firstSignalBatch;
  }

  private sendSignals(): void {
    const part = this.signals;
    if (part.length === 0 || !this.alive) return;
    this.signals = [];
    // Through an Int32Array, in native order as the launch header is: Buffer's writeInt32LE
    // checks its arguments through a wrapper that allocates on every call.
    const words = new Int32Array(1 + part.length);
    words[0] = 2;
    words.set(part, 1);
    const data = Buffer.from(words.buffer, 0, words.byteLength);
    // A dead spawner is handled after the caller returns, not in the middle of its work.
    if (this.msg.send(this.sock, data, []) < 0) queueMicrotask(() => this.died());
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
    const all = [...this.exits.entries()].map(([pid, w]): [number, (s: ExitStatus) => void] => [
      pid,
      (s) => deliverExit(w, s),
    ]);
    this.exits.clear();
    return all;
  }

  /** Closes the socket: the spawner exits, its children stay (they pass to the next reaper). */
  dispose(): void {
    if (!this.alive) return;
    // Signals asked for just before still go out (sending may find the spawner gone).
    if (this.signals.length > 0) this.sendSignals();
    if (!this.alive) return;
    this.alive = false;
    this.onDeath = undefined;
    if (this.retry) clearTimeout(this.retry);
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

  /**
   * Settles what the spawner leaves behind: a launch forked but without its exec outcome counts
   * as started (the process exists; its exit is handed over with takeWatchers), one sent and not
   * forked as failed (it may never have run). Returns the launches not sent yet, for the next
   * spawner (adopt).
   */
  takeLaunches(): QueuedLaunch[] {
    const unsent = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    const settled = [...this.launches.values()].filter((l) => l.sent);
    this.launches.clear();
    for (const l of settled) {
      if (l.pid > 0) l.cb.started();
      else l.cb.failed(ExecStage.DO_EXEC, ECHILD);
    }
    return unsent;
  }

  private died(): void {
    const first = this.onDeath;
    this.onDeath = undefined;
    this.dispose();
    first?.();
  }

  /** A read of n bytes into buf, which the next read reuses: what is left unread is copied. */
  private receive(n: number, buf: Buffer): void {
    const d = buf.subarray(0, n);
    if (this.pendingAt < this.pending.length) {
      this.pending = Buffer.concat([this.pending.subarray(this.pendingAt), d]);
    } else {
      this.pending = d;
    }
    this.pendingAt = 0;
    this.drain();
    if (this.pending.buffer === buf.buffer && this.pendingAt < this.pending.length) {
      this.pending = Buffer.from(this.pending.subarray(this.pendingAt));
      this.pendingAt = 0;
    }
  }

  /** Handles up to LIMIT.eventBudget events, then yields to other I/O and continues. */
  private drain(): void {
    let n = 0;
    const p = this.pending;
    let at = this.pendingAt;
    while (p.length - at >= EVENT_SIZE && n < LIMIT.eventBudget) {
      // Moved on first: an event's handler may dispose of us, or read on through receive.
      this.pendingAt = at + EVENT_SIZE;
      // Read in place (little-endian, as unix-msg.ts is bound only there): Buffer's checked
      // reads allocate in a bytecode-only V8.
      this.dispatch(int32At(p, at), int32At(p, at + 4), int32At(p, at + 8), int32At(p, at + 12));
      if (this.pending !== p) return;
      at = this.pendingAt;
      n++;
    }
    if (p.length - at < EVENT_SIZE || this.draining) return;
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
    if (type === 4) {
      this.landed(launch);
      launch.pid = b;
      this.recent.delete(b);
      // Only the callbacks live on until the exit: the request goes once the exec outcome is in.
      this.exits.set(b, launch.cb);
      launch.cb.forked(b);
      this.pump();
      return;
    }
    this.launches.delete(a);
    if (type === 1) {
      launch.cb.started();
    } else if (type === 2) {
      if (launch.pid > 0) {
        // A child that failed before exec is reaped by the spawner without an exit event.
        this.exits.delete(launch.pid);
      } else {
        this.landed(launch);
        this.pump();
      }
      launch.cb.failed(b, c);
    }
  }

  private exited(pid: number, status: ExitStatus | undefined): void {
    const st = status ?? { kind: 'exited', code: 0 };
    const w = this.exits.get(pid);
    if (w) {
      this.exits.delete(pid);
      deliverExit(w, st);
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
  // Indexed: in the daemon's bytecode-only V8 each step of entries() allocates.
  for (let i = 0; i < plan.stdio.length; i++) {
    const src = plan.stdio[i];
    if (src === 'ignore') map.push(MAP_NULL);
    else if (src === 'inherit' && i <= 2) map.push(MAP_INHERIT);
    else if (typeof src !== 'number') return undefined;
    else {
      if (!fds.includes(src)) fds.push(src);
      map.push(fds.indexOf(src));
    }
  }
  if (map.length > LIMIT.map || fds.length > LIMIT.fds) return undefined;
  return { map, fds, ops: plan.helperOps, argv: spec.argv, env: plan.env };
}
