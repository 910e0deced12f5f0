// ServiceSet: the set of service records, the propagation and transition queues with the one
// drain loop, the console queue, and the ServiceManager API the daemon calls.
// Every request marks and enqueues, then drains; nothing here waits or recurses.

import type {
  DepEditResult,
  NotifyState,
  ResumeEntry,
  ReloadResult,
  ServiceListener,
  ServiceManager,
  ServiceRef,
  ServiceStatus,
  StartResult,
  StopResult,
  UnloadResult,
} from './api';
import { Loader, type LoaderHost } from './service-loader';
import type { Host } from './host';
import type { Os } from './os';
import { BaseProcessService } from './base-proc-service';
import { ProcessService } from './process-service';
import { PlaceholderService, ServiceRecord, TriggeredService, withLink } from './service';
import type {
  DependencyType,
  ManagerSnapshot,
  ServiceEvent,
  ServiceExplanation,
  ShutdownType,
} from '../model';
import type { DescriptionSource } from '../config/types';
import { ServiceLoadError } from '../errors';
import { StaleRefError } from '../errors';

/** A FIFO of records with O(1) push/pop; membership is tracked by a flag on the record. */
class RecordQueue {
  private items: ServiceRecord[] = [];
  private head = 0;

  push(r: ServiceRecord): void {
    this.items.push(r);
  }

  shift(): ServiceRecord | undefined {
    if (this.head >= this.items.length) return undefined;
    const r = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }

  get empty(): boolean {
    return this.head >= this.items.length;
  }

  remove(r: ServiceRecord): void {
    const i = this.items.indexOf(r, this.head);
    if (i >= 0) this.items.splice(i, 1);
  }
}

/** The manager core. Construct with the kernel port, the host port and the description source. */
export class ServiceSet implements ServiceManager, LoaderHost {
  private records = new Map<string, ServiceRecord>();
  private propQueue = new RecordQueue();
  private transitionQueue = new RecordQueue();
  private consoleQueue: ServiceRecord[] = [];
  /** The service the console was last handed to (until it releases it). */
  private consoleHolder: ServiceRecord | undefined;
  private draining = false;
  private activeServices = 0;
  /** Services starting or stopping. */
  private transitioning = 0;
  private restartEnabled = true;
  private shutdownType: ShutdownType = 'none';
  /**
   * Replaced, never changed in place, when a listener comes or goes: an event's loop runs over the
   * array it started with, without copying it for every event.
   */
  private listeners: readonly ServiceListener[] = [];
  private allStoppedCallbacks: (() => void)[] = [];
  /** Something was active since the last all-stopped notification. */
  private wasActive = false;
  private readonly loader: Loader;
  /** Journal entries of services being resumed, taken once by each as it comes up. */
  private resuming = new Map<string, ResumeEntry>();
  /** Os.now() at creation: boot timing is measured from here. */
  private readonly since: number;

  constructor(
    readonly os: Os,
    readonly host: Host,
    readonly source: DescriptionSource,
  ) {
    this.loader = new Loader(this);
    this.since = os.now();
  }

  // ---- LoaderHost / ServiceSetContext ----

  environment(): Record<string, string> {
    return this.source.environment();
  }

  findAny(name: string): ServiceRecord | undefined {
    return this.records.get(name);
  }

  addRecord(r: ServiceRecord): void {
    this.records.set(r.name, r);
  }

  removeRecord(r: ServiceRecord): void {
    if (this.records.get(r.name) === r) this.records.delete(r.name);
    r.dispose();
  }

  replaceRecord(orig: ServiceRecord, repl: ServiceRecord): void {
    this.records.set(repl.name, repl);
    if (orig !== repl) orig.dispose();
  }

  addPropQueue(r: ServiceRecord): void {
    if (!r.inPropQueue) {
      r.inPropQueue = true;
      this.propQueue.push(r);
    }
  }

  addTransitionQueue(r: ServiceRecord): void {
    if (!r.inTransitionQueue) {
      r.inTransitionQueue = true;
      this.transitionQueue.push(r);
    }
  }

  /**
   * Drain both queues: all propagation first, then one transition, repeatedly, until both are
   * empty. Re-entrant calls (from listeners or records) return at once; the outer loop
   * continues the work.
   */
  processQueues(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        let r: ServiceRecord | undefined;
        while ((r = this.propQueue.shift()) !== undefined) {
          r.inPropQueue = false;
          r.doPropagation();
        }
        r = this.transitionQueue.shift();
        if (r === undefined) break;
        r.inTransitionQueue = false;
        r.executeTransition();
      }
    } finally {
      this.draining = false;
    }
    this.checkAllStopped();
  }

  serviceActive(_r: ServiceRecord): void {
    this.activeServices++;
    this.wasActive = true;
  }

  serviceInactive(_r: ServiceRecord): void {
    this.activeServices--;
  }

  countTransition(delta: 1 | -1): void {
    this.transitioning += delta;
  }

  isShuttingDown(): boolean {
    return !this.restartEnabled;
  }

  getShutdownType(): ShutdownType {
    return this.shutdownType;
  }

  loadForChain(name: string): ServiceRecord {
    return this.loader.load(name);
  }

  appendConsoleQueue(r: ServiceRecord): void {
    const wasEmpty = this.consoleQueue.length === 0;
    this.consoleQueue.push(r);
    // While a service holds the console, the next waiter gets it when that one releases it.
    if (!wasEmpty || this.consoleHolder) return;
    this.host.setConsoleLogEnabled(false, () => {
      this.pullConsoleQueue();
      this.processQueues();
    });
  }

  pullConsoleQueue(): void {
    const front = this.consoleQueue.shift();
    this.consoleHolder = front;
    if (front === undefined) {
      this.host.setConsoleLogEnabled(true);
    } else {
      front.acquiredConsole();
    }
  }

  unqueueConsole(r: ServiceRecord): void {
    const i = this.consoleQueue.indexOf(r);
    if (i >= 0) this.consoleQueue.splice(i, 1);
  }

  notify(r: ServiceRecord, event: ServiceEvent): void {
    const listeners = this.listeners;
    if (listeners.length === 0) return;
    let st: ServiceStatus | undefined;
    const status = (): ServiceStatus => (st ??= this.statusOf(r));
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i].onServiceEvent(r, event, status);
      } catch (e) {
        this.host.log('error', `service event listener failed: ${(e as Error).message}`);
      }
    }
  }

  takeResume(name: string): ResumeEntry | undefined {
    const e = this.resuming.get(name);
    this.resuming.delete(name);
    return e;
  }

  private checkAllStopped(): void {
    if (this.activeServices === 0 && this.wasActive && this.allStoppedCallbacks.length > 0) {
      this.wasActive = false;
      for (const cb of [...this.allStoppedCallbacks]) {
        try {
          cb();
        } catch (e) {
          this.host.log('error', `all-stopped callback failed: ${(e as Error).message}`);
        }
      }
    }
  }

  // ---- ServiceManager ----

  /** The live record for a ref; throws StaleRefError (code ESTALEREF) for unloaded ones. */
  private rec(ref: ServiceRef): ServiceRecord {
    const r = ref as ServiceRecord;
    if (this.records.get(ref.name) !== r) throw new StaleRefError(ref.name);
    return r;
  }

  find(name: string): ServiceRef | undefined {
    const r = this.records.get(name);
    return r && r.recordType !== 'placeholder' ? r : undefined;
  }

  load(name: string): ServiceRef {
    return this.loader.load(name);
  }

  start(ref: ServiceRef, opts: { pin?: boolean } = {}): StartResult {
    const r = this.rec(ref);
    if (this.isShuttingDown()) return 'shutting-down';
    if ((r.state === 'stopped' || r.state === 'stopping') && r.isStopPinned()) {
      return 'pinned-stopped';
    }
    if (opts.pin) r.pinStart();
    r.start();
    this.processQueues();
    return r.state === 'started' ? 'already' : 'ok';
  }

  wake(ref: ServiceRef, opts: { pin?: boolean } = {}): StartResult | 'no-dependents' {
    const r = this.rec(ref);
    if (this.isShuttingDown()) return 'shutting-down';
    if ((r.state === 'stopped' || r.state === 'stopping') && r.isStopPinned()) {
      return 'pinned-stopped';
    }
    let found = false;
    for (const dept of r.dependents) {
      if (dept.isOnlyOrdering()) continue;
      const fs = dept.from.state;
      if (fs === 'started' || fs === 'starting') {
        found = true;
        if (!dept.holdingAcq) dept.from.startDep(dept);
      }
    }
    if (opts.pin) r.pinStart();
    this.processQueues();
    if (!found) return 'no-dependents';
    return r.state === 'started' ? 'already' : 'ok';
  }

  /** Hard dependents currently holding the service (what a gentle stop would bring down). */
  private heldBy(r: ServiceRecord): ServiceRecord[] {
    const out: ServiceRecord[] = [];
    for (const dept of r.dependents) {
      if ((dept.type === 'regular' || dept.type === 'prepared-by') && dept.holdingAcq) {
        out.push(dept.from);
      }
    }
    return out;
  }

  stop(ref: ServiceRef, opts: { pin?: boolean; force?: boolean } = {}): StopResult {
    const r = this.rec(ref);
    if ((r.state === 'started' || r.state === 'starting') && r.isStartPinned()) {
      return 'pinned-started';
    }
    if (!opts.force) {
      const held = this.heldBy(r);
      if (held.length > 0) return { dependents: held };
    }
    if (opts.pin) r.pinStop();
    r.stop(true);
    r.forcedStop();
    this.processQueues();
    return r.state === 'stopped' ? 'already' : 'ok';
  }

  restart(
    ref: ServiceRef,
    opts: { force?: boolean } = {},
  ): StopResult | 'not-started' | 'shutting-down' {
    const r = this.rec(ref);
    if (this.isShuttingDown()) return 'shutting-down';
    if ((r.state === 'started' || r.state === 'starting') && r.isStartPinned()) {
      return 'pinned-started';
    }
    if (!opts.force) {
      const held = this.heldBy(r);
      if (held.length > 0) return { dependents: held };
    }
    if (!r.restart()) return 'not-started';
    this.processQueues();
    return r.state === 'started' ? 'already' : 'ok';
  }

  release(ref: ServiceRef, opts: { pin?: boolean } = {}): StopResult {
    const r = this.rec(ref);
    if (opts.pin) r.pinStop();
    r.stop(false);
    this.processQueues();
    return r.state === 'stopped' ? 'already' : 'ok';
  }

  unpin(ref: ServiceRef): void {
    const r = this.rec(ref);
    r.unpin();
    this.processQueues();
  }

  unload(ref: ServiceRef): UnloadResult {
    const r = this.rec(ref);
    if (r.state !== 'stopped') return 'not-stopped';
    if (r.dependents.some((d) => !d.isOnlyOrdering())) return 'has-dependents';
    this.unloadService(r);
    return 'ok';
  }

  /** Remove a stopped record; links from before/after and a live log pipe go to a placeholder. */
  private unloadService(svc: ServiceRecord): void {
    let placeholder: PlaceholderService | undefined;
    const ph = (): PlaceholderService => {
      if (!placeholder) placeholder = new PlaceholderService(this, svc.name);
      return placeholder;
    };
    if (svc.logConsumer) {
      const p = ph();
      if (svc instanceof BaseProcessService) {
        p.logPipe = svc.logPipe;
        svc.logPipe = undefined;
      }
      p.logConsumer = svc.logConsumer;
      if (svc.logConsumer instanceof BaseProcessService) svc.logConsumer.consumerFor = p;
      svc.logConsumer = undefined;
    }
    // Others' "after" links onto svc, and others' "before" links (held in svc.dependsOn), are
    // owned by those other services: keep them, on the placeholder.
    for (const dept of [...svc.dependents]) {
      if (dept.type === 'after') {
        svc.dependents.splice(svc.dependents.indexOf(dept), 1);
        dept.to = ph();
        ph().dependents = withLink(ph().dependents, dept);
      }
    }
    for (const dep of [...svc.dependsOn]) {
      if (dep.type === 'before') {
        svc.dependsOn.splice(svc.dependsOn.indexOf(dep), 1);
        dep.from = ph();
        ph().dependsOn = withLink(ph().dependsOn, dep);
      }
    }
    // Drop the remaining links (svc's own dependencies, and the "before" links it created).
    for (const dep of [...svc.dependsOn]) {
      const to = dep.to;
      svc.rmDepLink(dep);
      if (to instanceof PlaceholderService && to.isUnrefd()) this.removeRecord(to);
    }
    for (const dept of [...svc.dependents]) {
      const from = dept.from;
      from.rmDepLink(dept);
      if (from instanceof PlaceholderService && from.isUnrefd()) this.removeRecord(from);
    }
    const producer = svc instanceof ProcessService ? svc.consumerFor : undefined;
    this.records.delete(svc.name);
    svc.dispose();
    if (producer instanceof PlaceholderService && producer.isUnrefd()) this.removeRecord(producer);
    if (placeholder) this.records.set(placeholder.name, placeholder);
  }

  reload(ref: ServiceRef): ReloadResult {
    const r = this.rec(ref);
    try {
      const nr = this.loader.reload(r);
      this.processQueues();
      return { ok: true, ref: nr };
    } catch (e) {
      const msg = e instanceof ServiceLoadError ? e.failure : undefined;
      const text = msg && 'message' in msg ? msg.message : (e as Error).message;
      this.host.log('error', `Could not reload service ${msg?.name ?? r.name}: ${text}`);
      this.processQueues();
      return { ok: false, message: text };
    }
  }

  private static editableType(t: DependencyType): boolean {
    return t === 'regular' || t === 'waits-for' || t === 'milestone';
  }

  private addDepImpl(
    fromRef: ServiceRef,
    toRef: ServiceRef,
    type: DependencyType,
    enable: boolean,
  ): DepEditResult {
    const from = this.rec(fromRef);
    const to = this.rec(toRef);
    if (from === to || !ServiceSet.editableType(type)) return 'bad-request';
    if (type === 'regular' && from.state !== 'stopped' && to.state !== 'started') {
      return {
        error:
          'cannot add a hard dependency on a service that is not started to a service that is not stopped',
      };
    }
    if (Loader.reaches([to], from)) {
      return { error: 'the dependency would create a cycle' };
    }
    let dep = from.dependsOn.find((d) => d.to === to && d.type === type);
    if (!dep) dep = from.addDep(to, type);
    if (enable && (from.state === 'started' || from.state === 'starting')) {
      if (!this.isShuttingDown() && !dep.holdingAcq) {
        from.startDep(dep);
      }
    }
    this.processQueues();
    return 'ok';
  }

  addDep(from: ServiceRef, to: ServiceRef, type: DependencyType): DepEditResult {
    return this.addDepImpl(from, to, type, false);
  }

  hasDependency(fromRef: ServiceRef, toRef: ServiceRef, type: DependencyType): boolean {
    const to = this.rec(toRef);
    return this.rec(fromRef).dependsOn.some((d) => d.to === to && d.type === type);
  }

  rmDep(fromRef: ServiceRef, toRef: ServiceRef, type: DependencyType): DepEditResult {
    const from = this.rec(fromRef);
    const to = this.rec(toRef);
    if (from === to || !ServiceSet.editableType(type)) return 'bad-request';
    const removed = from.rmDep(to, type);
    this.processQueues();
    return removed ? 'ok' : { error: 'no such dependency' };
  }

  enable(from: ServiceRef, to: ServiceRef): DepEditResult {
    return this.addDepImpl(from, to, 'waits-for', true);
  }

  setTrigger(ref: ServiceRef, value: boolean): 'ok' | 'not-triggered' {
    const r = this.rec(ref);
    if (!(r instanceof TriggeredService)) return 'not-triggered';
    r.setTrigger(value);
    this.processQueues();
    return 'ok';
  }

  signal(ref: ServiceRef, signal: number): 'ok' | 'no-pid' | 'bad-signal' | 'kill-error' {
    const r = this.rec(ref);
    const pid = r.getPid();
    if (pid === -1 || pid === 0 || !(r instanceof BaseProcessService)) return 'no-pid';
    if (!Number.isInteger(signal) || signal < 0 || signal > 64) {
      this.host.log('error', 'Requested signal not in valid signal range.');
      return 'bad-signal';
    }
    if (!r.sendSignal(signal)) {
      this.host.log('error', 'Error sending signal to process: No such process');
      return 'kill-error';
    }
    return 'ok';
  }

  catlog(ref: ServiceRef, clear: boolean): Buffer | 'not-buffered' {
    const r = this.rec(ref);
    if (!(r instanceof BaseProcessService) || r.desc.logType !== 'buffer') return 'not-buffered';
    const content = r.logBuffer ? Buffer.from(r.logBuffer.contents()) : Buffer.alloc(0);
    if (clear) r.logBuffer?.clear();
    return content;
  }

  followOutput(
    ref: ServiceRef,
    onOutput: (chunk: Buffer) => void,
  ): { contents: Buffer; stop: () => void } | 'not-buffered' {
    const r = this.rec(ref);
    if (!(r instanceof BaseProcessService) || r.desc.logType !== 'buffer') return 'not-buffered';
    const contents = r.logBuffer ? Buffer.from(r.logBuffer.contents()) : Buffer.alloc(0);
    (r.outputFollowers ??= new Set()).add(onOutput);
    return { contents, stop: () => void r.outputFollowers?.delete(onOutput) };
  }

  private statusOf(r: ServiceRecord): ServiceStatus {
    const st: ServiceStatus = {
      name: r.name,
      type: r.recordType,
      state: r.state,
      targetState: r.desired,
      waitingForConsole: r.waitingForConsole,
      hasConsole: r.haveConsole,
      startSkipped: r.startSkipped,
      markedActive: r.startExplicit,
      pid: r.getPid(),
      stopReason: r.stopReason,
      pinnedStarted: r.pinnedStarted,
      pinnedStopped: r.pinnedStopped,
    };
    const ex = r.getExitStatus();
    if (ex) st.exitStatus = ex;
    if (r instanceof BaseProcessService && r.stopReason === 'execfailed' && r.execErr) {
      st.execFailure = { ...r.execErr };
    }
    if (r.mtimeMs !== undefined) st.loadedMtimeMs = r.mtimeMs;
    if (r.mtimeNs !== undefined) st.loadedMtimeNs = r.mtimeNs;
    if (r.file !== undefined) st.file = r.file;
    return st;
  }

  status(ref: ServiceRef): ServiceStatus {
    return this.statusOf(this.rec(ref));
  }

  snapshot(): ManagerSnapshot {
    const services: ServiceExplanation[] = [];
    for (const r of this.records.values()) {
      if (r.recordType !== 'placeholder') services.push(this.explanationOf(r));
    }
    return { now: this.os.now(), wallClock: this.os.wallClock(), since: this.since, services };
  }

  private explanationOf(r: ServiceRecord): ServiceExplanation {
    const { name, type, state, targetState, markedActive, pid, stopReason } = this.statusOf(r);
    const e: ServiceExplanation = {
      ...{ name, type, state, targetState, markedActive, pid, stopReason },
      requiredBy: r.requiredBy,
      dependsOn: r.dependsOn.map((d) => ({
        to: d.to.name,
        type: d.type,
        holding: d.holdingAcq,
        waiting: d.waitingOn,
      })),
      times: { ...r.times },
      restarts: r.restarts,
    };
    const ex = r instanceof BaseProcessService ? r.lastExit : undefined;
    if (ex) e.exitStatus = ex;
    if (r.desc) e.logType = r.desc.logType;
    if (r.desc?.logfile !== undefined) e.logFile = r.desc.logfile;
    const notifyStatus = r instanceof ProcessService ? r.notifier?.status : undefined;
    if (notifyStatus !== undefined) e.notifyStatus = notifyStatus;
    return e;
  }

  list(): ServiceRef[] {
    const out: ServiceRef[] = [];
    for (const r of this.records.values()) if (r.recordType !== 'placeholder') out.push(r);
    return out;
  }

  dependents(ref: ServiceRef): ServiceRef[] {
    return this.heldBy(this.rec(ref));
  }

  resume(entries: readonly ResumeEntry[]): string[] {
    const failed: string[] = [];
    const loaded: [ServiceRecord, ResumeEntry][] = [];
    for (const e of entries) {
      try {
        loaded.push([this.rec(this.load(e.name)), e]);
      } catch {
        failed.push(e.name);
        continue;
      }
      // A process that was still starting or stopping is taken back too, never launched twice.
      if (e.state === 'started' || e.pid > 0) this.resuming.set(e.name, e);
    }
    for (const [r, e] of loaded) {
      if (e.pinnedStarted) r.pinStart();
      if (e.markedActive) r.start();
    }
    this.processQueues();
    // Still running but brought up by nothing (its dependent is gone, or it was stopping): take
    // it back, then release it, so that it stops in order instead of being left behind.
    const left = loaded.filter(([, e]) => e.pid > 0 && this.resuming.has(e.name));
    for (const [r] of left) r.start();
    this.processQueues();
    for (const [r] of left) r.stop(false);
    for (const [r, e] of loaded) if (e.pinnedStopped) r.pinStop();
    this.resuming.clear();
    this.processQueues();
    return failed;
  }

  shutdown(type: ShutdownType): void {
    this.restartEnabled = false;
    this.shutdownType = type;
    this.wasActive = true;
    for (const r of [...this.records.values()]) {
      r.stop(false);
      r.unpin();
    }
    this.processQueues();
  }

  allStopped(): boolean {
    return this.activeServices === 0;
  }

  onAllStopped(cb: () => void): void {
    this.allStoppedCallbacks.push(cb);
  }

  addListener(l: ServiceListener): void {
    if (!this.listeners.includes(l)) this.listeners = [...this.listeners, l];
  }

  removeListener(l: ServiceListener): void {
    this.listeners = this.listeners.filter((x) => x !== l);
  }

  /** Number of services not stopped (for the daemon and tests). */
  countActive(): number {
    return this.activeServices;
  }

  countTransitioning(): number {
    return this.transitioning;
  }

  notifyState(ref: ServiceRef): NotifyState | undefined {
    const r = this.rec(ref);
    return r instanceof ProcessService ? r.notifier?.state() : undefined;
  }
}
