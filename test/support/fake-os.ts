// The fake OS for core tests: implements the kernel port (Os), records launches and signals,
// lets the test deliver exits, exec results, readiness and pid files, and moves time only in
// advance(). Calls the test did not arrange throw; unused arrangements can be listed.

import type {
  ActivationSocket,
  AdoptSpec,
  LogPipe,
  NotifyDatagram,
  NotifySocket,
  Os,
  OsCaps,
  ProcessEvents,
  ProcessHandle,
  ProcessSpec,
  SignalName,
  SignalTarget,
  TimerHandle,
} from '../../src/core/os';
import type { ExitStatus } from '../../src/model';
import { LaunchError } from '../../src/errors';
import { ExecStage } from '../../src/model';

/** An sd_notify socket the core opened. */
export interface FakeNotifySocket {
  readonly path: string;
  readonly owner: { uid?: number; gid?: number };
  closed: boolean;
  /** Datagrams sent with { queued: true }, delivered by the core's drain(). */
  readonly queued: NotifyDatagram[];
  readonly onMessage: (msg: NotifyDatagram) => void;
}

/** One launched process as the fake saw it. */
export interface FakeProcess {
  /** Its pid (with asyncLaunch, the core learns it only from spawn()). */
  readonly pid: number;
  /** The handle launch() returned (pid 0 until spawn() with asyncLaunch). */
  readonly handle: { pid: number };
  readonly spec: ProcessSpec;
  readonly events: ProcessEvents;
  /** Signals sent to it, in order. */
  readonly signals: { signal: number; target: SignalTarget }[];
  /** The fake has delivered onExit or onExecFailed. */
  done: boolean;
  /** The fake has delivered onExecSucceeded (with caps.execStatus). */
  execReported: boolean;
}

interface FakeTimer {
  id: number;
  due: number;
  cb: () => void;
}

/** What a FakeOs can do besides the basics. */
export interface FakeOsOptions {
  execStatus?: boolean;
  killCgroup?: boolean;
  utmp?: boolean;
  /** launch() returns pid 0 and the test reports the fork with spawn(), as the spawner does. */
  asyncLaunch?: boolean;
}

/** Exit status helpers. */
export const exited = (code: number): ExitStatus => ({ kind: 'exited', code });
export const signalled = (signal: number): ExitStatus => ({
  kind: 'signalled',
  signal,
  coreDumped: false,
});

export class FakeOs implements Os {
  caps: OsCaps;
  /** The kernel's signal table as the core sees it (unset: Linux numbers). */
  signalNumbers?: Partial<Record<SignalName, number>>;
  private time = 1_000_000;
  private nextTimerId = 1;
  private timers: FakeTimer[] = [];
  private nextPid = 100;
  private nextPipeId = 1;

  readonly processes: FakeProcess[] = [];
  readonly pidSignals: { pid: number; signal: number; target: SignalTarget }[] = [];
  readonly pipes: { id: number; closed: boolean }[] = [];
  readonly sockets: { path: string; permissions: number; closed: boolean }[] = [];
  readonly cgroupKills: string[] = [];
  /** Login accounting calls, as "started id line pid" and "ended id line". */
  readonly utmp: string[] = [];
  private pidFiles = new Map<string, { pid: number } | { reason: string }>();
  private usedPidFiles = new Set<string>();
  private watches = new Map<number, ((s: ExitStatus | undefined) => void)[]>();
  private launchFailures = new Map<string, string>();
  private gonePids = new Map<number, ExitStatus>();
  /** Processes an earlier manager started that are still running: pid -> start time. */
  private adoptable = new Map<number, string>();
  /** What adopt() was asked to take back, in order. */
  readonly adopted: AdoptSpec[] = [];
  private allowKillCgroup = false;
  readonly notifySockets: FakeNotifySocket[] = [];
  /** Session ids the test arranged: pid -> sid (see sessionOf). */
  private sessions = new Map<number, number>();

  /** launch() returns pid 0 and the test reports the fork with spawn(), as the spawner does. */
  private readonly asyncLaunch: boolean;

  constructor(opts: FakeOsOptions = {}) {
    this.asyncLaunch = opts.asyncLaunch ?? false;
    this.caps = {
      pidfd: true,
      cgroups: true,
      subreaper: true,
      execHelper: true,
      execStatus: opts.execStatus ?? false,
    };
    this.allowKillCgroup = opts.killCgroup ?? false;
    if (!this.allowKillCgroup) this.killCgroup = undefined;
    if (opts.utmp !== true) {
      this.utmpStarted = undefined;
      this.utmpEnded = undefined;
    }
  }

  // ---- clock and timers ----

  now(): number {
    return this.time;
  }

  wallClock(): number {
    return 1_700_000_000_000 + this.time;
  }

  setTimer(ms: number, cb: () => void): TimerHandle {
    const t: FakeTimer = { id: this.nextTimerId++, due: this.time + Math.max(0, ms), cb };
    this.timers.push(t);
    return { id: t.id };
  }

  clearTimer(t: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.id !== t.id);
  }

  /** Number of armed timers. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Move time forward by ms, firing due timers in order (timers set meanwhile included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.due <= end && (!next || t.due < next.due || (t.due === next.due && t.id < next.id)))
          next = t;
      }
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.time = next.due;
      next.cb();
    }
    this.time = end;
  }

  // ---- processes ----

  /** Make the next launch of `service` throw LaunchError. */
  failLaunch(service: string, message: string): void {
    this.launchFailures.set(service, message);
  }

  launch(spec: ProcessSpec, events: ProcessEvents): ProcessHandle {
    const failure = this.launchFailures.get(spec.serviceName);
    if (failure !== undefined) {
      this.launchFailures.delete(spec.serviceName);
      throw new LaunchError(failure, ExecStage.DO_EXEC);
    }
    const pid = this.nextPid++;
    const p: FakeProcess = {
      pid,
      handle: { pid: this.asyncLaunch ? 0 : pid },
      spec,
      events,
      signals: [],
      done: false,
      execReported: false,
    };
    this.processes.push(p);
    return p.handle;
  }

  /**
   * With asyncLaunch: report the fork of a launch (its pid). Signals sent to it before are
   * already recorded, as the adapter delivers them once the pid is known.
   */
  spawn(target: string | number | FakeProcess): void {
    const p = this.resolve(target);
    if (!this.asyncLaunch || p.handle.pid !== 0) {
      throw new Error(`fake-os: process ${p.pid} is not awaiting its fork`);
    }
    if (!p.events.onSpawned) throw new Error('fake-os: no onSpawned handler');
    p.handle.pid = p.pid;
    p.events.onSpawned(p.pid);
  }

  signal(proc: ProcessHandle, signal: number, target: SignalTarget): boolean {
    const p = this.processes.find((x) => x.handle === proc || x.pid === proc.pid);
    if (!p) throw new Error(`fake-os: signal to unknown pid ${proc.pid}`);
    if (p.done) return false;
    p.signals.push({ signal, target });
    return true;
  }

  signalPid(pid: number, signal: number, target: SignalTarget): boolean {
    this.pidSignals.push({ pid, signal, target });
    return true;
  }

  /** Launches of one service, oldest first. */
  launchesOf(service: string): FakeProcess[] {
    return this.processes.filter((p) => p.spec.serviceName === service);
  }

  /** The most recent process of a service that has not ended (throws if none). */
  running(service: string): FakeProcess {
    const list = this.launchesOf(service).filter((p) => !p.done);
    const p = list[list.length - 1];
    if (!p) throw new Error(`fake-os: no running process for ${service}`);
    return p;
  }

  private resolve(target: string | number | FakeProcess): FakeProcess {
    if (typeof target === 'object') return target;
    if (typeof target === 'number') {
      const p = this.processes.find((x) => x.pid === target);
      if (!p) throw new Error(`fake-os: no process with pid ${target}`);
      return p;
    }
    return this.running(target);
  }

  /**
   * Deliver an exit (number = exit code). With caps.execStatus, a process whose exec result was
   * not reported yet reports exec success first, as the closing status pipe would.
   */
  exit(target: string | number | FakeProcess, status: ExitStatus | number = 0): void {
    const p = this.resolve(target);
    if (p.done) throw new Error(`fake-os: process ${p.pid} already ended`);
    this.requireSpawned(p);
    if (this.caps.execStatus && !p.execReported) this.execOk(p);
    p.done = true;
    p.events.onExit(typeof status === 'number' ? exited(status) : status);
  }

  /**
   * Deliver an exit ahead of the exec result (with caps.execStatus), as a real adapter can when
   * the process ends before its status pipe is read; execOk or execFail must follow.
   */
  exitBeforeExecResult(
    target: string | number | FakeProcess,
    status: ExitStatus | number = 0,
  ): void {
    const p = this.resolve(target);
    this.requireSpawned(p);
    if (!this.caps.execStatus || p.execReported || p.done) {
      throw new Error(`fake-os: process ${p.pid} has no exec result outstanding`);
    }
    p.events.onExit(typeof status === 'number' ? exited(status) : status);
  }

  /** Events of a process come only after its fork was reported (asyncLaunch). */
  private requireSpawned(p: FakeProcess): void {
    if (p.handle.pid === 0) throw new Error(`fake-os: process ${p.pid} not spawned yet`);
  }

  /** Deliver an exec failure (with asyncLaunch, before spawn() too: the fork failed). */
  execFail(
    target: string | number | FakeProcess,
    stage: number = ExecStage.DO_EXEC,
    errno = 2,
    message = 'No such file or directory',
  ): void {
    const p = this.resolve(target);
    if (p.done) throw new Error(`fake-os: process ${p.pid} already ended`);
    if (p.execReported) throw new Error(`fake-os: exec of ${p.pid} already reported`);
    p.done = true;
    p.events.onExecFailed(stage, errno, message);
  }

  /** Deliver exec success (only meaningful with caps.execStatus). */
  execOk(target: string | number | FakeProcess): void {
    const p = this.resolve(target);
    this.requireSpawned(p);
    if (!p.events.onExecSucceeded) throw new Error('fake-os: no onExecSucceeded handler');
    if (p.execReported) throw new Error(`fake-os: exec of ${p.pid} already reported`);
    p.execReported = true;
    p.events.onExecSucceeded();
  }

  /** Deliver the readiness notification. */
  ready(target: string | number | FakeProcess): void {
    const p = this.resolve(target);
    if (!p.events.onReady) throw new Error('fake-os: process has no onReady handler');
    p.events.onReady();
  }

  /** Deliver end-of-file on the readiness pipe. */
  readinessClosed(target: string | number | FakeProcess): void {
    const p = this.resolve(target);
    if (!p.events.onReadinessClosed)
      throw new Error('fake-os: process has no onReadinessClosed handler');
    p.events.onReadinessClosed();
  }

  // ---- bgprocess ----

  /** Arrange what the pid file at path will yield. */
  setPidFile(path: string, content: number | { reason: string }): void {
    this.pidFiles.set(path, typeof content === 'number' ? { pid: content } : content);
    this.usedPidFiles.delete(path);
  }

  readPidFile(path: string): { ok: true; pid: number } | { ok: false; reason: string } {
    const c = this.pidFiles.get(path);
    if (!c) throw new Error(`fake-os: readPidFile(${path}) was not arranged`);
    this.usedPidFiles.add(path);
    return 'pid' in c ? { ok: true, pid: c.pid } : { ok: false, reason: c.reason };
  }

  /** Arrange that pid is already gone when watched (watchPid reports it at once). */
  setPidGone(pid: number, status: ExitStatus | number): void {
    this.gonePids.set(pid, typeof status === 'number' ? exited(status) : status);
  }

  watchPid(pid: number, onExit: (status: ExitStatus | undefined) => void): { cancel(): void } {
    const gone = this.gonePids.get(pid);
    if (gone) {
      this.gonePids.delete(pid);
      onExit(gone);
      return { cancel: () => undefined };
    }
    const list = this.watches.get(pid) ?? [];
    list.push(onExit);
    this.watches.set(pid, list);
    return {
      cancel: () => {
        const l = this.watches.get(pid);
        if (l)
          this.watches.set(
            pid,
            l.filter((f) => f !== onExit),
          );
      },
    };
  }

  /** True while something watches pid. */
  isWatched(pid: number): boolean {
    return (this.watches.get(pid) ?? []).length > 0;
  }

  /** Report that a watched (non-child) pid went away. */
  pidExit(pid: number, status?: ExitStatus | number): void {
    const l = this.watches.get(pid);
    if (!l || l.length === 0) throw new Error(`fake-os: pid ${pid} is not watched`);
    this.watches.delete(pid);
    const st = typeof status === 'number' ? exited(status) : status;
    for (const f of l) f(st);
  }

  // ---- resuming ----

  /** Arrange that an earlier manager's process `pid`, started at `startTime`, still runs. */
  setAdoptable(pid: number, startTime: string): void {
    this.adoptable.set(pid, startTime);
  }

  /**
   * Takes back an arranged process whose start time matches; its exit then comes from
   * pidExit(). Undefined for a process not arranged (gone) or started at another time (recycled).
   */
  adopt(
    spec: AdoptSpec,
    onExit: (status: ExitStatus | undefined) => void,
  ): { cancel(): void } | undefined {
    this.adopted.push(spec);
    if (this.adoptable.get(spec.pid) !== spec.startTime) return undefined;
    this.adoptable.delete(spec.pid);
    return this.watchPid(spec.pid, onExit);
  }

  // ---- pipes, sockets, cgroups ----

  createLogPipe(): LogPipe {
    const rec = { id: this.nextPipeId++, closed: false };
    this.pipes.push(rec);
    return {
      id: rec.id,
      close: () => {
        rec.closed = true;
      },
    };
  }

  openActivationSocket(path: string, permissions: number): ActivationSocket {
    const rec = { path, permissions, closed: false };
    this.sockets.push(rec);
    return {
      fd: 3,
      close: () => {
        rec.closed = true;
      },
    };
  }

  openNotifySocket(
    owner: { uid?: number; gid?: number },
    onMessage: (msg: NotifyDatagram) => void,
    at?: string,
  ): NotifySocket {
    const rec: FakeNotifySocket = {
      path: at ?? `/run/fake-notify/${this.notifySockets.length + 1}`,
      owner,
      closed: false,
      queued: [],
      onMessage,
    };
    this.notifySockets.push(rec);
    return {
      path: rec.path,
      drain: () => {
        for (const m of rec.queued.splice(0)) if (!rec.closed) rec.onMessage(m);
      },
      close: () => {
        rec.closed = true;
      },
    };
  }

  /**
   * Sends an sd_notify datagram from a process (a service name: its latest launch) to the socket
   * named in its NOTIFY_SOCKET, from its own pid unless `pid` says otherwise (null: no
   * credentials). With `queued`, it waits on the socket until the core drains it.
   */
  notify(
    target: string | number | FakeProcess,
    text: string,
    opts: { pid?: number | null; queued?: boolean } = {},
  ): void {
    const p =
      typeof target === 'string' ? this.launchesOf(target).slice(-1)[0] : this.resolve(target);
    if (!p) throw new Error(`fake-os: no process of ${String(target)} to notify from`);
    const sock = this.notifySockets.find((x) => x.path === p.spec.env.NOTIFY_SOCKET);
    if (!sock) throw new Error(`fake-os: process ${p.pid} has no NOTIFY_SOCKET`);
    if (sock.closed) throw new Error(`fake-os: the notify socket of ${p.pid} is closed`);
    const msg: NotifyDatagram = { data: Buffer.from(text) };
    const pid = opts.pid === undefined ? p.pid : opts.pid;
    if (pid !== null) msg.pid = pid;
    if (opts.queued) sock.queued.push(msg);
    else sock.onMessage(msg);
  }

  /** Arrange that pid runs in session sid (sessionOf answers undefined for other pids). */
  setSession(pid: number, sid: number): void {
    this.sessions.set(pid, sid);
  }

  sessionOf(pid: number): number | undefined {
    return this.sessions.get(pid);
  }

  killCgroup?: (cgroup: string) => void = (cgroup: string) => {
    this.cgroupKills.push(cgroup);
  };

  utmpStarted?: (id: string, line: string, pid: number) => void = (id, line, pid) => {
    this.utmp.push(`started ${id} ${line} ${pid}`);
  };

  utmpEnded?: (id: string, line: string) => void = (id, line) => {
    this.utmp.push(`ended ${id} ${line}`);
  };

  /** Arranged things that never happened: pid files never read, launch failures, gone pids. */
  unusedArrangements(): string[] {
    const out: string[] = [];
    for (const path of this.pidFiles.keys()) {
      if (!this.usedPidFiles.has(path)) out.push(`pid file ${path} was never read`);
    }
    for (const name of this.launchFailures.keys()) out.push(`launch of ${name} never attempted`);
    for (const pid of this.gonePids.keys()) out.push(`pid ${pid} was never watched`);
    return out;
  }
}
