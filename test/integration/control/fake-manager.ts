// A small in-memory api.ServiceManager for control-server tests: synchronous, deterministic,
// enough semantics (marks, pins, hard dependents, process services that finish when told)
// to drive every reply code the control protocol has.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as api from '../../../src/core/api';
import type {
  DependencyType,
  ServiceType,
  ServiceEvent,
  ServiceState,
  ShutdownType,
  StoppedReason,
  ExitStatus,
} from '../../../src/model';
import { ServiceLoadError } from '../../../src/errors';

export interface FakeDesc {
  type?: ServiceType;
  deps?: { to: string; type: DependencyType }[];
  buffered?: boolean;
}

interface Rec extends api.ServiceRef {
  readonly name: string;
  type: ServiceType;
  state: ServiceState;
  target: ServiceState;
  marked: boolean;
  pinStart: boolean;
  pinStop: boolean;
  deps: { to: Rec; type: DependencyType }[];
  pid: number;
  log: Buffer | undefined;
  trigger: boolean;
  stopReason: StoppedReason;
  exitStatus: ExitStatus | undefined;
  mtimeNs: bigint;
}

/**
 * The services most control tests use: boot needs db (a process), web is a process that
 * buffers its output, tick is triggered, lone and other are internal with no dependencies.
 */
export function sampleServices(): Record<string, FakeDesc> {
  return {
    boot: { deps: [{ to: 'db', type: 'regular' }] },
    db: { type: 'process' },
    web: { type: 'process', buffered: true },
    tick: { type: 'triggered' },
    lone: {},
    other: {},
  };
}

export class FakeManager implements api.ServiceManager {
  readonly recs = new Map<string, Rec>();
  private readonly listeners = new Set<api.ServiceListener>();
  private shuttingDown: ShutdownType | undefined;
  private nextPid = 1000;
  calls: string[] = [];

  /**
   * `descs`: the descriptions that "exist" (by default sampleServices()). Names 'bad-desc' and 'bad-load' fail to load.
   * `fileDir`: where the description files are said to live; when given, the mtime reported
   * for protocol v6 is read (exactly, in nanoseconds) from the file there at load time.
   */
  constructor(
    private readonly descs: Record<string, FakeDesc> = sampleServices(),
    private readonly fileDir = '/fake/services',
  ) {}

  /** Test hook: how the service last stopped. */
  setStopped(name: string, stopReason: StoppedReason, exitStatus?: ExitStatus): void {
    const r = this.recs.get(name)!;
    r.stopReason = stopReason;
    r.exitStatus = exitStatus;
  }

  find(name: string): api.ServiceRef | undefined {
    return this.recs.get(name);
  }

  load(name: string): api.ServiceRef {
    if (name === 'bad-desc')
      throw new ServiceLoadError({ kind: 'description', name, message: 'bad setting' });
    if (name === 'bad-load')
      throw new ServiceLoadError({ kind: 'load', name, message: 'I/O error' });
    const existing = this.recs.get(name);
    if (existing) return existing;
    if (!this.descs[name]) throw new ServiceLoadError({ kind: 'not-found', name });
    // Load the service and its dependencies with an explicit work list (no recursion).
    const created: Rec[] = [];
    const get = (n: string): Rec => {
      const have = this.recs.get(n);
      if (have) return have;
      const d = this.descs[n];
      if (!d) throw new ServiceLoadError({ kind: 'not-found', name: n });
      const rec: Rec = {
        name: n,
        type: d.type ?? 'internal',
        state: 'stopped',
        target: 'stopped',
        marked: false,
        pinStart: false,
        pinStop: false,
        deps: [],
        pid: -1,
        log: d.buffered ? Buffer.alloc(0) : undefined,
        trigger: false,
        stopReason: 'normal',
        exitStatus: undefined,
        mtimeNs: this.readMtime(n),
      };
      this.recs.set(n, rec);
      created.push(rec);
      return rec;
    };
    const root = get(name);
    for (let i = 0; i < created.length; i++) {
      const rec = created[i];
      for (const dep of this.descs[rec.name].deps ?? [])
        rec.deps.push({ to: get(dep.to), type: dep.type });
    }
    return root;
  }

  start(ref: api.ServiceRef, opts: { pin?: boolean } = {}): api.StartResult {
    const r = ref as Rec;
    this.calls.push(`start ${r.name}`);
    if (this.shuttingDown) return 'shutting-down';
    if (r.pinStop) return 'pinned-stopped';
    if (opts.pin) r.pinStart = true;
    r.marked = true;
    if (r.state === 'started') return 'already';
    this.bringUp(r);
    return 'ok';
  }

  wake(ref: api.ServiceRef, opts: { pin?: boolean } = {}): api.StartResult | 'no-dependents' {
    const r = ref as Rec;
    if (this.shuttingDown) return 'shutting-down';
    if (r.pinStop) return 'pinned-stopped';
    if (this.activeDependents(r).length === 0) return 'no-dependents';
    if (opts.pin) r.pinStart = true;
    this.bringUp(r);
    return 'ok';
  }

  stop(ref: api.ServiceRef, opts: { pin?: boolean; force?: boolean } = {}): api.StopResult {
    const r = ref as Rec;
    this.calls.push(`stop ${r.name}${opts.force ? ' force' : ''}`);
    if (r.pinStart && r.state !== 'stopped') return 'pinned-started';
    const deps = this.activeDependents(r).filter((d) => d.hard);
    if (!opts.force && deps.length > 0) return { dependents: deps.map((d) => d.rec) };
    if (opts.pin) r.pinStop = true;
    r.marked = false;
    if (r.state === 'stopped') return 'already';
    for (const d of deps) this.bringDown(d.rec);
    this.bringDown(r);
    return 'ok';
  }

  restart(ref: api.ServiceRef, opts: { force?: boolean } = {}): api.StopResult | 'not-started' {
    const r = ref as Rec;
    if (r.state !== 'started') return 'not-started';
    const deps = this.activeDependents(r).filter((d) => d.hard);
    if (!opts.force && deps.length > 0) return { dependents: deps.map((d) => d.rec) };
    this.setState(r, 'stopped', 'stopped');
    this.bringUp(r);
    return 'ok';
  }

  release(ref: api.ServiceRef, opts: { pin?: boolean } = {}): api.StopResult {
    const r = ref as Rec;
    r.marked = false;
    if (opts.pin) r.pinStop = true;
    if (r.state !== 'stopped' && this.activeDependents(r).length === 0) this.bringDown(r);
    return 'ok';
  }

  unpin(ref: api.ServiceRef): void {
    const r = ref as Rec;
    r.pinStart = false;
    r.pinStop = false;
  }

  unload(ref: api.ServiceRef): api.UnloadResult {
    const r = ref as Rec;
    if (r.state !== 'stopped') return 'not-stopped';
    for (const o of this.recs.values()) if (o.deps.some((d) => d.to === r)) return 'has-dependents';
    this.recs.delete(r.name);
    return 'ok';
  }

  reload(ref: api.ServiceRef): api.ReloadResult {
    return this.descs[ref.name] ? { ok: true, ref } : { ok: false, message: 'gone' };
  }

  addDep(from: api.ServiceRef, to: api.ServiceRef, type: DependencyType): api.DepEditResult {
    const f = from as Rec;
    const t = to as Rec;
    // A cycle: "to" already (transitively) depends on "from". Explicit queue, no recursion.
    const queue = [t];
    for (let i = 0; i < queue.length; i++) {
      for (const d of queue[i].deps) {
        if (d.to === f) return { error: 'circular dependency' };
        if (!queue.includes(d.to)) queue.push(d.to);
      }
    }
    if (!f.deps.some((d) => d.to === t && d.type === type)) f.deps.push({ to: t, type });
    return 'ok';
  }

  rmDep(from: api.ServiceRef, to: api.ServiceRef, type: DependencyType): api.DepEditResult {
    const f = from as Rec;
    const i = f.deps.findIndex((d) => d.to === to && d.type === type);
    if (i < 0) return { error: 'no such dependency' };
    f.deps.splice(i, 1);
    // Like Dinit: a dependency nothing holds any more stops.
    const t = to as Rec;
    if (t.state !== 'stopped' && !t.marked && this.activeDependents(t).length === 0)
      this.bringDown(t);
    return 'ok';
  }

  hasDependency(from: api.ServiceRef, to: api.ServiceRef, type: DependencyType): boolean {
    return (from as Rec).deps.some((d) => d.to === to && d.type === type);
  }

  enable(from: api.ServiceRef, to: api.ServiceRef): api.DepEditResult {
    const r = this.addDep(from, to, 'waits-for');
    if (r === 'ok' && (from as Rec).state === 'started') this.bringUp(to as Rec);
    return r;
  }

  setTrigger(ref: api.ServiceRef, value: boolean): 'ok' | 'not-triggered' {
    const r = ref as Rec;
    if (r.type !== 'triggered') return 'not-triggered';
    r.trigger = value;
    return 'ok';
  }

  signal(ref: api.ServiceRef, signal: number): 'ok' | 'no-pid' | 'bad-signal' | 'kill-error' {
    const r = ref as Rec;
    if (r.pid === -1) return 'no-pid';
    return signal > 64 || signal < 0 ? 'bad-signal' : 'ok';
  }

  catlog(ref: api.ServiceRef, clear: boolean): Buffer | 'not-buffered' {
    const r = ref as Rec;
    if (!r.log) return 'not-buffered';
    const out = r.log;
    if (clear) r.log = Buffer.alloc(0);
    return out;
  }

  /** Test hook: append output to a buffered service's log. */
  appendLog(name: string, text: string): void {
    const r = this.recs.get(name)!;
    r.log = Buffer.concat([r.log ?? Buffer.alloc(0), Buffer.from(text)]);
  }

  status(ref: api.ServiceRef): api.ServiceStatus {
    const r = ref as Rec;
    return {
      name: r.name,
      type: r.type,
      state: r.state,
      targetState: r.target,
      waitingForConsole: false,
      hasConsole: false,
      startSkipped: false,
      markedActive: r.marked,
      pid: r.pid,
      stopReason: r.stopReason,
      exitStatus: r.exitStatus,
      pinnedStarted: r.pinStart,
      pinnedStopped: r.pinStop,
      loadedMtimeNs: r.mtimeNs,
      file: path.join(this.fileDir, r.name),
    };
  }

  list(): api.ServiceRef[] {
    return [...this.recs.values()];
  }

  dependents(ref: api.ServiceRef): api.ServiceRef[] {
    return this.activeDependents(ref as Rec)
      .filter((d) => d.hard)
      .map((d) => d.rec);
  }

  shutdown(type: ShutdownType): void {
    this.shuttingDown = type;
    for (const r of this.recs.values()) {
      r.marked = false;
      if (r.state !== 'stopped') this.bringDown(r);
    }
  }
  isShuttingDown(): boolean {
    return this.shuttingDown !== undefined;
  }
  allStopped(): boolean {
    return [...this.recs.values()].every((r) => r.state === 'stopped');
  }
  countTransitioning(): number {
    return [...this.recs.values()].filter((r) => r.state === 'starting' || r.state === 'stopping')
      .length;
  }
  /** No service of the fake has an sd_notify socket. */
  notifyState(): undefined {
    return undefined;
  }
  onAllStopped(): void {}

  addListener(l: api.ServiceListener): void {
    this.listeners.add(l);
  }
  removeListener(l: api.ServiceListener): void {
    this.listeners.delete(l);
  }

  /** Test hook: a process service that was starting/stopping finishes doing so. */
  finish(name: string): void {
    const r = this.recs.get(name)!;
    if (r.state === 'starting') {
      r.pid = this.nextPid++;
      this.setState(r, 'started', 'started', 'started');
    } else if (r.state === 'stopping') {
      r.pid = -1;
      this.setState(r, 'stopped', 'stopped', 'stopped');
    }
  }

  /** Test hook: emit an arbitrary event. */
  emit(name: string, event: ServiceEvent): void {
    const r = this.recs.get(name)!;
    for (const l of [...this.listeners]) l.onServiceEvent(r, event, () => this.status(r));
  }

  private readMtime(name: string): bigint {
    try {
      return fs.statSync(path.join(this.fileDir, name), { bigint: true }).mtimeNs;
    } catch {
      return 1700000000_123456789n;
    }
  }

  private bringUp(root: Rec): void {
    // Dependencies first: collect the graph with an explicit stack, start in reverse order.
    const order: Rec[] = [];
    const stack = [root];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (order.includes(r)) continue;
      order.push(r);
      for (const d of r.deps) if (d.type !== 'before' && d.type !== 'after') stack.push(d.to);
    }
    for (const r of order.reverse()) {
      if (r.state === 'started' || r.state === 'starting') continue;
      if (r.type === 'process') this.setState(r, 'starting', 'started');
      else this.setState(r, 'started', 'started', 'started');
    }
  }

  private bringDown(r: Rec): void {
    if (r.type === 'process') {
      this.setState(r, 'stopping', 'stopped');
    } else {
      this.setState(r, 'stopped', 'stopped', 'stopped');
    }
  }

  private setState(r: Rec, state: ServiceState, target: ServiceState, event?: ServiceEvent): void {
    r.state = state;
    r.target = target;
    if (event) this.emit(r.name, event);
  }

  private activeDependents(r: Rec): { rec: Rec; hard: boolean }[] {
    const out: { rec: Rec; hard: boolean }[] = [];
    for (const o of this.recs.values()) {
      for (const d of o.deps) {
        if (d.to === r && o.state !== 'stopped' && d.type !== 'before' && d.type !== 'after') {
          out.push({ rec: o, hard: d.type === 'regular' || d.type === 'prepared-by' });
        }
      }
    }
    return out;
  }
}
