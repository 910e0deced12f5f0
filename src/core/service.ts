// ServiceRecord: the state machine every service type shares (activation counts, pins, the
// propagation flags and the start/stop transitions), the dependency link ServiceDep, and the
// internal, triggered and placeholder records. The queues live in service-set.ts.

/*
 * The state model
 * ===============
 *
 * Current state and desired state
 * -------------------------------
 * A service has a current state (stopped, starting, started, stopping) and a desired (target)
 * state, which is only ever 'started' or 'stopped'. Their combinations mean:
 *
 *   stopped / stopped    at rest.
 *   stopped / started    wants to run but is pinned stopped; it waits for unpin.
 *   starting / started   starting; it may be waiting for dependencies, the console, or its own
 *                        process (exec, readiness, pid file, start script).
 *   starting / stopped   starting, but will stop as soon as it can (some starts cannot be
 *                        interrupted: a running start script or bgprocess launcher, unless
 *                        start-interruptible is set).
 *   started / started    running.
 *   started / stopped    running but pinned started; it stops on unpin.
 *   stopping / stopped   stopping; hard dependents stop first, then this service's process is
 *                        signalled (or its stop script run).
 *   stopping / started   stopping, and will start again once stopped (restart, or a start that
 *                        arrived while stopping and could not interrupt the stop).
 *
 * Activation (required-by counts)
 * -------------------------------
 * `requiredBy` counts the reasons the service should run: 1 for the explicit mark
 * (`startExplicit`, set by `start`, cleared by `stop`/`release` and whenever the service stops
 * without restarting) plus 1 for every dependent, of any dependency type except the ordering-only
 * before/after, that holds an acquisition on it (`ServiceDep.holdingAcq`). A 0 -> 1 transition
 * starts the service; 1 -> 0 stops it and releases its own dependencies. So the desired state
 * normally follows `requiredBy > 0`.
 *
 * Two exceptions: a stop request sets desired = stopped even while dependents still hold it
 * (that inhibits restarts, and the stop propagates to hard dependents, whose releases bring the
 * count to 0); and a service may become stopped while still required (its process died), which
 * forces its hard dependents down too unless it is going to restart.
 *
 * When a service stops for good, soft links (waits-for, soft, started milestones) from its
 * dependents are broken (they release their acquisition), otherwise the service would be
 * restarted at once by the counts. When it is going to restart they are kept.
 *
 * Forced stop
 * -----------
 * `forceStop` marks a stop that cannot be cancelled by a new start while waiting for
 * dependents (the service may still go on to start again afterwards). It is set by
 * `dinitctl stop`, restart, and unexpected process termination, and propagates to hard
 * dependents.
 *
 * Pins
 * ----
 * A service can be pinned started and/or pinned stopped. A pin never causes a transition; it
 * only prevents leaving the pinned state once the service is in it. Pinned stopped: `start`
 * fails and hard dependents cannot start. Pinned started: the service does not stop (requests
 * are remembered in desired state / forceStop and acted on at unpin); a hard dependency of a
 * pinned-started service is itself held started (`deptPinnedStarted`). A pinned-started service
 * that fails to start loses the pin. Precedence: pins, then forceStop, then desired state.
 *
 * Two phases
 * ----------
 * Requests only set flags and enqueue. ServiceSet.processQueues() then drains two queues until
 * both are empty: the propagation queue (do_propagation: acquire/release of dependencies, start
 * and stop orders, dependency-failure, dependent-pin), drained completely before each step of
 * the transition queue (executeTransition: a starting service whose dependencies are all up
 * brings itself up; a stopping service whose dependents are all down brings itself down).
 * Propagation lets the required-by counts settle before any service actually reaches
 * 'stopped', so the restart decision is made on correct counts. No graph walk recurses: every
 * walk is a queue, so a dependency chain of any length is safe.
 *
 * Where the rest lives
 * --------------------
 * service.ts holds this model and the types with no process (internal, triggered, and the
 * placeholder that stands in for a name used only by before/after/consumer-of). Process-based
 * types override bringUp/bringDown and the interrupt hooks: base-proc-service.ts (what they
 * share, with the process sub-state written down at its top), process-service.ts,
 * bgproc-service.ts and scripted-service.ts. service-set.ts owns the records, the two queues
 * and the console queue; service-loader.ts turns descriptions into records and links. The core
 * reaches the system through the kernel port (os.ts) and the daemon through the host port
 * (host.ts).
 */

import type { ServiceDescription, ServiceOptions } from '../config/types';
import { DEFAULT_SERVICE_OPTIONS } from '../config/types';
import type { Host } from './host';
import { signalNumber, type Os, type SignalName } from './os';
import type {
  DependencyType,
  ServiceType,
  ServiceEvent,
  ServiceState,
  StoppedReason,
  ExitStatus,
} from '../model';

/**
 * When a service last entered each state (monotonic ms from Os.now()), and `launched`: when
 * its dependencies were satisfied and its own start began. Absent: not yet.
 */
export type StateTimes = Partial<Record<ServiceState | 'launched', number>>;

/** The service record types: the config's types plus placeholders for names not loaded. */
export type RecordType = ServiceType | 'placeholder';

export type AutoRestart = 'never' | 'always' | 'on-failure';

/** A dependency link from `from` (the dependent) to `to` (the dependency). */
export class ServiceDep {
  /** The dependent waits for `to` to start (or fail, for soft kinds). */
  waitingOn = false;
  /** The dependent holds an acquisition (a required-by count) on `to`. */
  holdingAcq = false;

  constructor(
    public from: ServiceRecord,
    public to: ServiceRecord,
    readonly type: DependencyType,
  ) {}

  /** Hard: the dependent cannot run without `to` (milestones only until `to` has started). */
  isHard(): boolean {
    return (
      this.type === 'regular' ||
      this.type === 'prepared-by' ||
      (this.type === 'milestone' && this.waitingOn)
    );
  }

  /** before/after only order starts; they never acquire. */
  isOnlyOrdering(): boolean {
    return this.type === 'before' || this.type === 'after';
  }
}

/** What a record needs from the set that owns it. Implemented by ServiceSet. */
export interface ServiceSetContext {
  readonly os: Os;
  readonly host: Host;
  /** Global environment for launches (DescriptionSource.environment()). */
  environment(): Record<string, string>;
  addPropQueue(r: ServiceRecord): void;
  addTransitionQueue(r: ServiceRecord): void;
  processQueues(): void;
  serviceActive(r: ServiceRecord): void;
  serviceInactive(r: ServiceRecord): void;
  /** A service began (+1) or ended (-1) a start or a stop. */
  countTransition(delta: 1 | -1): void;
  isShuttingDown(): boolean;
  /** Load a service by name for chain-to; throws ServiceLoadError. */
  loadForChain(name: string): ServiceRecord;
  appendConsoleQueue(r: ServiceRecord): void;
  pullConsoleQueue(): void;
  unqueueConsole(r: ServiceRecord): void;
  notify(r: ServiceRecord, event: ServiceEvent): void;
  /** The journal entry to resume this service from, once (see ServiceManager.resume). */
  takeResume?(name: string): import('./api').ResumeEntry | undefined;
}

/** The links of a record that has none: one shared frozen array (see withLink). */
const NO_LINKS = Object.freeze([]) as unknown as ServiceDep[];

/**
 * list with dep added (at the front with atStart). A list with no link yet becomes a new array
 * of exactly one: most services have no dependencies and one or a few dependents, and an empty
 * array that is pushed to gets room for seventeen.
 */
export function withLink(list: ServiceDep[], dep: ServiceDep, atStart = false): ServiceDep[] {
  if (list.length === 0) return [dep];
  if (atStart) list.unshift(dep);
  else list.push(dep);
  return list;
}

/** The times of a service that has never changed state. */
const NO_TIMES: Readonly<StateTimes> = Object.freeze({});

/** Signal numbers the core itself uses (POSIX values common to Linux, BSDs and macOS). */
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGKILL = 9;
export const SIGTERM = 15;

/**
 * The base service record: internal services use it as is. Subclasses override bringUp,
 * bringDown, canInterruptStart, interruptStart, checkRestart, becomingInactive.
 */
export class ServiceRecord {
  recordType: RecordType;
  private current: ServiceState = 'stopped';
  /** When the service last entered each state (made at the first change; see times). */
  private stateTimes: StateTimes | undefined;
  /** Automatic relaunches (restarts and smooth recoveries) since the record was created. */
  restarts = 0;
  desired: ServiceState = 'stopped';

  /** The description's options; shared (and frozen) when they are all off, as most are. */
  flags: Readonly<ServiceOptions> = DEFAULT_SERVICE_OPTIONS;
  autoRestart: AutoRestart = 'never';
  smoothRecovery = false;
  chainTo = '';
  /** The description this record was (re)loaded from; absent for placeholders. */
  desc: ServiceDescription | undefined;
  /** Description file mtime and path, for status. */
  mtimeMs?: number;
  mtimeNs?: bigint;
  file?: string;
  /** Set while the loader is building this record (cycle detection). */
  isLoading = false;

  pinnedStopped = false;
  pinnedStarted = false;
  deptPinnedStarted = false;
  /** If starting: waiting for dependencies/console; if stopping: waiting for dependents. */
  waitingForDeps = false;
  waitingForConsole = false;
  haveConsole = false;
  startExplicit = false;
  propRequire = false;
  propRelease = false;
  propFailure = false;
  propStart = false;
  propStop = false;
  propPinDpt = false;
  startFailed = false;
  startSkipped = false;
  inAutoRestart = false;
  inUserRestart = false;
  forceStop = false;
  requiredBy = 0;
  stopReason: StoppedReason = 'normal';

  /** Dependencies (this service is `from`); links are added with withLink. */
  dependsOn: ServiceDep[] = NO_LINKS;
  /** Dependents (this service is `to`); links are added with withLink. */
  dependents: ServiceDep[] = NO_LINKS;
  /** The consumer-of service reading this service's output pipe, if any. */
  logConsumer: ServiceRecord | undefined;

  /** Queue membership (maintained by ServiceSet). */
  inPropQueue = false;
  inTransitionQueue = false;

  constructor(
    readonly set: ServiceSetContext,
    public name: string,
    type: RecordType = 'placeholder',
  ) {
    this.recordType = type;
  }

  get os(): Os {
    return this.set.os;
  }

  /** The current state; every change is time-stamped in `times` through the clock port. */
  get state(): ServiceState {
    return this.current;
  }

  set state(s: ServiceState) {
    const was = this.current;
    if (s === was) return;
    this.current = s;
    (this.stateTimes ??= {})[s] = this.os.now();
    const moving = s === 'starting' || s === 'stopping';
    if (moving !== (was === 'starting' || was === 'stopping')) {
      this.set.countTransition(moving ? 1 : -1);
    }
  }

  /** When (Os.now()) the service last entered each state, for `dinitctl analyze` and `why`. */
  get times(): Readonly<StateTimes> {
    return this.stateTimes ?? NO_TIMES;
  }

  get host(): Host {
    return this.set.host;
  }

  // ---- linking ----

  /** Add a dependency link; acquires `to` at once when this service is running (as upstream). */
  addDep(to: ServiceRecord, type: DependencyType, atStart = false): ServiceDep {
    const dep = new ServiceDep(this, to, type);
    this.dependsOn = withLink(this.dependsOn, dep, atStart);
    to.dependents = withLink(to.dependents, dep);
    if (!dep.isOnlyOrdering()) {
      if (
        type === 'regular' ||
        type === 'prepared-by' ||
        to.state === 'started' ||
        to.state === 'starting'
      ) {
        if (this.state === 'starting' || this.state === 'started') {
          to.require();
          dep.holdingAcq = true;
        }
      }
    }
    return dep;
  }

  /** Remove a dependency link, releasing any acquisition it held. */
  rmDepLink(dep: ServiceDep): void {
    const i = this.dependsOn.indexOf(dep);
    if (i < 0) return;
    this.dependsOn.splice(i, 1);
    const to = dep.to;
    const j = to.dependents.indexOf(dep);
    if (j >= 0) to.dependents.splice(j, 1);
    if (dep.holdingAcq) {
      dep.holdingAcq = false;
      to.release();
    }
  }

  /** Remove the first link to `to` of the given type; false if there is none. */
  rmDep(to: ServiceRecord, type: DependencyType): boolean {
    const dep = this.dependsOn.find((d) => d.to === to && d.type === type);
    if (!dep) return false;
    this.rmDepLink(dep);
    return true;
  }

  /** Make a dependent acquire this dependency through `dep` (wake, enable). */
  startDep(dep: ServiceDep): void {
    if (!dep.holdingAcq) {
      dep.to.require();
      dep.holdingAcq = true;
    }
  }

  isUnrefd(): boolean {
    return this.dependsOn.length === 0 && this.dependents.length === 0 && !this.logConsumer;
  }

  // ---- overridable behaviour ----

  /** Start the service proper (dependencies are up). Returns false on immediate failure. */
  protected bringUp(): boolean {
    this.started();
    return true;
  }

  /** Stop the service proper (dependents are down). Must eventually call stopped(). */
  /**
   * Reach STARTED from an earlier manager's journal entry instead of bringing the service up.
   * Returns false when that is not possible (the service is then brought up as usual).
   */
  protected resume(_entry: import('./api').ResumeEntry): boolean {
    this.started();
    return true;
  }

  protected bringDown(): void {
    this.stopped();
  }

  protected canInterruptStart(): boolean {
    return this.waitingForDeps;
  }

  /** Returns true if the start is fully interrupted now; false if it will end later. */
  protected interruptStart(): boolean {
    return true;
  }

  protected becomingInactive(): void {}

  /** Restart rate limiting; false when restarting too quickly. */
  protected checkRestart(): boolean {
    return true;
  }

  /** Main process pid, or -1. */
  getPid(): number {
    return -1;
  }

  getExitStatus(): ExitStatus | undefined {
    return undefined;
  }

  /** Called when the record is being removed from the set. */
  dispose(): void {}

  // ---- state queries ----

  isStartPinned(): boolean {
    return this.pinnedStarted || this.deptPinnedStarted;
  }

  isStopPinned(): boolean {
    return this.pinnedStopped;
  }

  isFundamentallyStopped(): boolean {
    return this.state === 'stopped' || (this.state === 'starting' && this.waitingForDeps);
  }

  protected canInterruptStop(): boolean {
    return this.waitingForDeps && !this.forceStop;
  }

  protected notifyListeners(event: ServiceEvent): void {
    this.set.notify(this, event);
  }

  // ---- acquisition ----

  require(): void {
    if (this.requiredBy++ === 0) {
      if (this.state !== 'starting' && this.state !== 'started') {
        this.propStart = true;
        this.set.addPropQueue(this);
      }
    }
  }

  release(issueStop = true): void {
    if (--this.requiredBy === 0) {
      if (this.state === 'stopping') {
        // A restart that was pending is now cancelled.
        if (this.desired === 'started' && !this.isStartPinned()) {
          this.notifyListeners('startcancelled');
        }
      }
      this.desired = 'stopped';
      if (this.isStartPinned()) return;

      // Release our dependencies, unless an acquire was still pending (then both cancel out).
      this.propRelease = !this.propRequire;
      this.propRequire = false;
      if (this.propRelease) this.set.addPropQueue(this);

      if (this.state !== 'stopped' && this.state !== 'stopping' && issueStop) {
        this.stopReason = 'normal';
        this.doStop();
      }
    }
  }

  releaseDependencies(): void {
    for (const dep of this.dependsOn) {
      if (dep.holdingAcq) {
        // Clear first so the dependency, while stopping, does not release this link again.
        dep.holdingAcq = false;
        dep.to.release();
      }
    }
  }

  // ---- requests ----

  /** Explicit start: mark active and start. */
  start(): void {
    if (this.pinnedStopped) return;
    if (!this.startExplicit) {
      ++this.requiredBy;
      this.startExplicit = true;
    }
    this.doStart();
  }

  /**
   * Stop request. bringDown=true: stop even if required (inhibits restart); false: only remove the
   * explicit mark (release), stopping if nothing else requires the service.
   */
  stop(bringDown = true): void {
    if (this.startExplicit) {
      this.startExplicit = false;
      this.requiredBy--;
    }
    if (bringDown || this.requiredBy === 0) {
      this.desired = 'stopped';
    }
    if (this.isStartPinned()) return;

    if (this.requiredBy === 0) {
      bringDown = true;
      this.propRelease = !this.propRequire;
      if (this.propRelease) this.set.addPropQueue(this);
    }
    if (bringDown && this.state !== 'stopped') {
      // Even when already stopping: this may cancel an ongoing restart of dependents.
      this.stopReason = 'normal';
      this.doStop();
    }
  }

  /** Restart in place (started services only); hard dependents restart too. */
  restart(): boolean {
    if (this.state === 'started') {
      this.stopReason = 'normal';
      this.forceStop = true;
      this.doStop(true);
      return true;
    }
    return false;
  }

  /** Force-stop this service (and, through propagation, its hard dependents). */
  forcedStop(): void {
    if (this.state !== 'stopped') {
      this.forceStop = true;
      if (!this.isStartPinned()) {
        this.propStop = true;
        this.set.addPropQueue(this);
      }
    }
  }

  unrecoverableStop(): void {
    this.desired = 'stopped';
    this.forcedStop();
  }

  pinStart(): void {
    if (!this.pinnedStarted) {
      if (!this.deptPinnedStarted) {
        for (const dep of this.dependsOn) {
          if (dep.isHard() && !dep.to.deptPinnedStarted) {
            dep.to.propPinDpt = true;
            this.set.addPropQueue(dep.to);
          }
        }
      }
      this.pinnedStarted = true;
    }
  }

  pinStop(): void {
    this.pinnedStopped = true;
  }

  unpin(): void {
    if (this.pinnedStarted) {
      this.pinnedStarted = false;
      if (this.deptPinnedStarted) return;
      for (const dep of this.dependsOn) {
        if (dep.isHard() && dep.to.deptPinnedStarted) {
          dep.to.propPinDpt = true;
          this.set.addPropQueue(dep.to);
        }
      }
      if (this.state === 'started') {
        // The release at required-by 0 was held back by the pin; do it now.
        if (this.requiredBy === 0) {
          this.propRelease = true;
          this.set.addPropQueue(this);
        }
        if (this.desired === 'stopped' || this.forceStop) {
          this.doStop();
        }
      }
    }
    if (this.pinnedStopped) {
      // Pinned stopped implies not required, so desired state is already stopped.
      this.pinnedStopped = false;
    }
  }

  // ---- transitions ----

  protected doStart(): void {
    const wasActive = this.state !== 'stopped';
    this.desired = 'started';

    if (this.pinnedStopped) {
      if (!wasActive) this.failedToStart(false, false);
      return;
    }

    if (!wasActive) {
      // Re-attach soft dependents that are running, now that we start again. As upstream,
      // this includes before/after links: a running "after" dependent then holds us started.
      for (const dept of this.dependents) {
        if (!dept.isHard()) {
          const ds = dept.from.state;
          if (!dept.holdingAcq && (ds === 'started' || ds === 'starting')) {
            dept.holdingAcq = true;
            ++this.requiredBy;
          }
        }
      }
    }

    if (wasActive) {
      if (this.state !== 'stopping') return;
      if (!this.canInterruptStop()) return;
      // Stopping while waiting for dependents: turn straight back to starting.
      this.notifyListeners('stopcancelled');
    } else {
      this.set.serviceActive(this);
      this.propRequire = !this.propRelease;
      this.propRelease = false;
      if (this.propRequire) this.set.addPropQueue(this);
    }
    this.initiateStart();
  }

  /** Enter STARTING and check dependencies. */
  initiateStart(): void {
    this.startFailed = false;
    this.startSkipped = false;
    this.state = 'starting';
    this.waitingForDeps = true;
    if (this.startCheckDependencies()) {
      // waitingForDeps stays true: ordering links may still hold us.
      this.set.addTransitionQueue(this);
    }
  }

  /** Propagation step (called from the propagation queue). */
  doPropagation(): void {
    if (this.propRequire) {
      for (const dep of this.dependsOn) {
        if (!dep.isOnlyOrdering()) {
          dep.to.require();
          dep.holdingAcq = true;
        }
      }
      this.propRequire = false;
    }
    if (this.propRelease) {
      this.releaseDependencies();
      this.propRelease = false;
    }
    if (this.propFailure) {
      this.propFailure = false;
      this.stopReason = 'depfailed';
      this.state = 'stopped';
      this.failedToStart(true);
    }
    if (this.propStart) {
      this.propStart = false;
      this.doStart();
    }
    if (this.propStop) {
      this.propStop = false;
      this.doStop(this.inUserRestart);
    }
    if (this.propPinDpt) {
      this.propPinDpt = false;
      let deptPin = false;
      for (const dept of this.dependents) {
        if (dept.isHard() && dept.from.isStartPinned()) {
          deptPin = true;
          break;
        }
      }
      if (deptPin !== this.deptPinnedStarted) {
        this.deptPinnedStarted = deptPin;
        for (const dep of this.dependsOn) {
          if (dep.isHard() && dep.to.deptPinnedStarted !== deptPin) {
            dep.to.propPinDpt = true;
            this.set.addPropQueue(dep.to);
          }
        }
        if (!this.deptPinnedStarted && !this.pinnedStarted) {
          if ((this.desired === 'stopped' || this.forceStop) && this.state === 'started') {
            this.doStop();
          }
        }
      }
    }
  }

  /** Execution step (called from the transition queue). */
  executeTransition(): void {
    if (this.state === 'starting') {
      if (this.checkDepsStarted()) {
        this.waitingForDeps = false;
        this.allDepsStarted();
      }
    } else if (this.state === 'stopping') {
      if (this.stopCheckDependents()) {
        this.waitingForDeps = false;
        this.beforeBringDown();
      }
    }
  }

  /**
   * Between "dependents are down" and bringDown: kill-all-on-stop (scripted/internal only). With
   * a cgroup and an adapter that can kill one, only that cgroup is killed; otherwise every
   * process on the system gets TERM, then KILL one second later, as upstream does.
   */
  protected beforeBringDown(): void {
    if (!this.flags.killAllOnStop) {
      this.bringDown();
      return;
    }
    const cgroup = this.desc?.runInCgroup;
    if (cgroup && this.os.killCgroup) {
      this.os.killCgroup(cgroup);
      this.bringDown();
      return;
    }
    this.host.log('notice', 'Sending TERM/KILL to all processes...');
    this.os.signalPid(-1, SIGTERM, 'process');
    this.os.setTimer(1000, () => {
      this.os.signalPid(-1, SIGKILL, 'process');
      if (this.state === 'stopping') this.bringDown();
      this.set.processQueues();
    });
  }

  /** Mark links we must wait on; true if every dependency has started already. */
  protected startCheckDependencies(): boolean {
    let allStarted = true;
    for (const dep of this.dependsOn) {
      const to = dep.to;
      if (dep.isOnlyOrdering() && to.state !== 'starting') continue;
      if (to.state !== 'started') {
        dep.waitingOn = true;
        allStarted = false;
      }
    }
    // A "before"/"after" dependent that is starting now must wait for us.
    for (const dept of this.dependents) {
      if (!dept.waitingOn && dept.isOnlyOrdering()) {
        if (dept.from.state === 'starting') dept.waitingOn = true;
      }
    }
    return allStarted;
  }

  protected checkDepsStarted(): boolean {
    // Indexed: it runs once per started dependency over all the links (a service depending on
    // a thousand others walks a million), and the daemon's V8 runs bytecode only, where each
    // step of for-of allocates an iterator result.
    const deps = this.dependsOn;
    for (let i = 0; i < deps.length; i++) if (deps[i].waitingOn) return false;
    return true;
  }

  protected allDepsStarted(): void {
    if (this.flags.startsOnConsole && !this.haveConsole) {
      this.queueForConsole();
      return;
    }
    this.waitingForDeps = false;
    (this.stateTimes ??= {}).launched = this.os.now();
    const resume = this.set.takeResume?.(this.name);
    if (resume !== undefined && this.resume(resume)) return;
    if (!this.bringUp()) {
      this.state = 'stopping';
      this.failedToStart();
    }
  }

  /** A dependency we waited on has started (or, for soft links, failed or stopped). */
  dependencyStarted(): void {
    // 'started' too: a pinned service in smooth recovery waits for dependencies to restart.
    if ((this.state === 'starting' || this.state === 'started') && this.waitingForDeps) {
      this.set.addTransitionQueue(this);
    }
  }

  /** A dependent has stopped; if we wait for dependents, re-check. */
  dependentStopped(): void {
    if (this.state === 'stopping' && this.waitingForDeps) {
      this.set.addTransitionQueue(this);
    }
  }

  acquiredConsole(): void {
    this.waitingForConsole = false;
    this.haveConsole = true;
    if (this.state !== 'starting') {
      this.releaseConsole();
    } else if (this.checkDepsStarted()) {
      this.allDepsStarted();
    } else {
      this.releaseConsole();
    }
  }

  protected queueForConsole(): void {
    this.waitingForConsole = true;
    this.set.appendConsoleQueue(this);
  }

  protected releaseConsole(): void {
    this.haveConsole = false;
    this.set.pullConsoleQueue();
  }

  /** The service has reached STARTED. */
  started(): void {
    if (this.haveConsole && !this.flags.runsOnConsole) {
      this.releaseConsole();
    }
    this.host.logServiceEvent('started', this.name, false);
    this.state = 'started';
    this.notifyListeners('started');
    // As upstream: what waited for a writable root filesystem or a log daemon goes on now.
    if (this.flags.startsRwfs) this.host.rootFsWritable();
    if (this.flags.startsLog) this.host.logReady();

    if (this.forceStop || this.desired === 'stopped') {
      this.doStop();
      return;
    }
    for (const dept of this.dependents) {
      if (dept.waitingOn) {
        dept.from.dependencyStarted();
        dept.waitingOn = false;
      }
    }
  }

  /**
   * The start failed. depFailed: because a hard dependency failed. immediateStop: go to
   * STOPPED now (false when the process must still be brought down).
   */
  failedToStart(depFailed = false, immediateStop = true): void {
    this.desired = 'stopped';
    if (this.waitingForConsole) {
      this.set.unqueueConsole(this);
      this.waitingForConsole = false;
    }
    if (this.startExplicit) {
      this.startExplicit = false;
      this.release(false);
    }
    // Cancel the start of dependents (hard ones fail; soft ones stop waiting).
    for (const dept of this.dependents) {
      switch (dept.type) {
        case 'regular':
        case 'prepared-by':
        case 'milestone':
          if (dept.from.state === 'starting') {
            dept.from.propFailure = true;
            this.set.addPropQueue(dept.from);
          }
          break;
        case 'waits-for':
        case 'soft':
        case 'before':
        case 'after':
          if (dept.waitingOn) {
            dept.waitingOn = false;
            dept.from.dependencyStarted();
          }
          break;
        default: {
          const never: never = dept.type;
          void never;
        }
      }
      // Release now so desired state is already 'stopped' when stopped() decides on restart.
      if (dept.holdingAcq) {
        dept.holdingAcq = false;
        this.release(false);
      }
    }
    this.startFailed = true;
    this.host.logServiceEvent('failed', this.name, depFailed);
    this.notifyListeners('failedstart');
    this.pinnedStarted = false;
    if (immediateStop) this.stopped();
  }

  /** Decide whether an automatic restart applies (restart = yes / on-failure). */
  protected wantsAutoRestart(): boolean {
    if (this.autoRestart === 'always') return true;
    if (this.autoRestart === 'on-failure') {
      if (this.recordType === 'process' || this.recordType === 'bgprocess') {
        const st = this.getExitStatus();
        if (!st) return false;
        if (st.kind === 'signalled') {
          // Signals used to ask a process to stop are not failures.
          return !STOP_REQUEST_SIGNALS.some((n) => signalNumber(this.os, n) === st.signal);
        }
        return st.code !== 0;
      }
    }
    return false;
  }

  /**
   * Begin stopping (called when we must definitely stop; we may restart afterwards).
   * Callers that want no restart set desired = 'stopped' first.
   */
  doStop(withRestart = false): void {
    if (this.isStartPinned()) return;

    this.inAutoRestart = false;
    this.inUserRestart = false;

    let forRestart = withRestart || (this.wantsAutoRestart() && this.desired === 'started');
    const restartDeps = withRestart;
    if (!withRestart && forRestart) {
      forRestart = this.checkRestart();
      this.inAutoRestart = forRestart;
    }

    if (!forRestart) {
      if (this.startExplicit) {
        this.startExplicit = false;
        this.release(false);
      }
    }

    const allDepsStopped = this.stopDependents(forRestart, restartDeps);

    if (this.state !== 'started') {
      if (this.state === 'starting') {
        if (!this.waitingForDeps && !this.waitingForConsole) {
          if (!this.canInterruptStart()) {
            // The start must complete first; started() will stop us then.
            return;
          }
          if (!this.interruptStart()) {
            // Interrupt issued; the end of the start is handled elsewhere.
            this.notifyListeners('startcancelled');
            return;
          }
        } else if (this.waitingForConsole) {
          this.set.unqueueConsole(this);
          this.waitingForConsole = false;
        }
        this.notifyListeners('startcancelled');
      } else {
        // Already stopping or stopped.
        return;
      }
    }

    this.state = 'stopping';
    this.waitingForDeps = !allDepsStopped;
    if (allDepsStopped) this.set.addTransitionQueue(this);
  }

  /** True when no hard dependent still holds us (restarting dependents count as stopped). */
  protected stopCheckDependents(): boolean {
    for (const dept of this.dependents) {
      if (dept.isHard() && dept.holdingAcq && !dept.waitingOn) return false;
    }
    return true;
  }

  /** Order hard dependents to stop (or restart); break soft links unless restarting. */
  protected stopDependents(forRestart: boolean, restartDeps: boolean): boolean {
    let allDepsStopped = true;
    for (const dept of this.dependents) {
      if (dept.isHard()) {
        const from = dept.from;
        if (!from.isFundamentallyStopped()) allDepsStopped = false;

        if (this.forceStop) {
          if (this.desired === 'stopped') {
            from.stopReason = 'depfailed';
            from.unrecoverableStop();
          } else {
            from.forcedStop();
          }
        }

        if (from.state !== 'stopped') {
          if (this.desired === 'stopped') {
            if (from.desired !== 'stopped') {
              from.desired = 'stopped';
              if (from.startExplicit) {
                from.startExplicit = false;
                from.release(true);
              }
              from.propStop = true;
              this.set.addPropQueue(from);
            }
          } else if (restartDeps && from.state !== 'stopping') {
            from.stopReason = 'deprestart';
            from.inUserRestart = true;
            from.propStop = true;
            this.set.addPropQueue(from);
          }
        }
      } else if (!forRestart) {
        this.detachSoftDependent(dept);
      }
    }
    return allDepsStopped;
  }

  /** A soft link breaks: the dependent stops waiting for us and releases its acquisition. */
  private detachSoftDependent(dept: ServiceDep): void {
    if (dept.waitingOn) {
      dept.waitingOn = false;
      dept.from.dependencyStarted();
    }
    if (dept.holdingAcq) {
      dept.holdingAcq = false;
      this.release(false);
    }
  }

  /** The service has reached STOPPED (dependents are down, unless the process died). */
  stopped(): void {
    if (this.haveConsole) this.releaseConsole();
    this.forceStop = false;

    const willRestart = this.desired === 'started' && !this.pinnedStopped;

    if (!willRestart) {
      for (const dept of this.dependents) {
        if (!dept.isHard()) this.detachSoftDependent(dept);
      }
    }

    for (const dep of this.dependsOn) dep.to.dependentStopped();

    this.state = 'stopped';

    if (willRestart) {
      // prepared-by dependencies restart with us; put them in STOPPING first so that our own
      // start below waits for them.
      for (const dep of this.dependsOn) {
        if (dep.type === 'prepared-by') dep.to.restart();
      }
      this.initiateStart();
    } else {
      this.becomingInactive();
      if (this.startExplicit) {
        this.startExplicit = false;
        this.release(false);
      } else if (this.requiredBy === 0) {
        this.set.serviceInactive(this);
      }
    }

    // A failed start was logged already.
    if (!this.startFailed) {
      this.host.logServiceEvent('stopped', this.name, false);
      const st = this.getExitStatus();
      const cleanExit = st !== undefined && st.kind === 'exited' && st.code === 0;
      if (
        (this.flags.alwaysChain ||
          (this.stopReason === 'terminated' && cleanExit && !willRestart)) &&
        this.chainTo !== '' &&
        !this.set.isShuttingDown()
      ) {
        try {
          const target = this.set.loadForChain(this.chainTo);
          target.start();
        } catch (e) {
          const f = (e as { failure?: { kind: string; name: string } }).failure;
          const what =
            f?.kind === 'not-found' ? 'service description not found.' : (e as Error).message;
          this.host.log(
            'error',
            `Couldn't chain to service ${this.chainTo}: couldn't load ${f?.name ?? this.chainTo}: ${what}`,
          );
        }
      }
    }
    this.notifyListeners('stopped');
  }
}

/**
 * Signals after which restart = on-failure does not restart; their numbers come from the Os
 * port's table (USR1/USR2 differ between Linux and the BSDs/macOS).
 */
const STOP_REQUEST_SIGNALS: readonly SignalName[] = ['HUP', 'INT', 'USR1', 'USR2', 'TERM'];

/** Triggered service: starts only once its trigger is set. */
export class TriggeredService extends ServiceRecord {
  isTriggered = false;

  protected override bringUp(): boolean {
    if (this.isTriggered) this.started();
    return true;
  }

  protected override resume(entry: import('./api').ResumeEntry): boolean {
    this.isTriggered = true;
    return super.resume(entry);
  }

  protected override canInterruptStart(): boolean {
    return true;
  }

  setTrigger(value: boolean): void {
    this.isTriggered = value;
    if (this.isTriggered && this.state === 'starting' && !this.waitingForDeps) {
      this.started();
    }
  }
}

/**
 * Placeholder for a name referenced by before/after/consumer-of but not loaded. It never runs;
 * it may hold the log pipe of an unloaded producer until a consumer or the producer returns.
 */
export class PlaceholderService extends ServiceRecord {
  logPipe: import('./os').LogPipe | undefined;

  constructor(set: ServiceSetContext, name: string) {
    super(set, name, 'placeholder');
  }

  override dispose(): void {
    if (this.logPipe) {
      this.logPipe.close();
      this.logPipe = undefined;
    }
  }
}
