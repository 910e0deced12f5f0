// Turning ServiceDescriptions into service records and dependency links. Dependencies load
// iteratively (an explicit stack, no recursion), cycles are refused with upstream's message,
// placeholders stand in for names used by before/after/consumer-of, and reload decides what
// may change while a service runs.

import type { DependencySpec, ServiceDescription, DescriptionSource } from '../config/types';
import { BaseProcessService } from './base-proc-service';
import { BgprocService } from './bgproc-service';
import { ProcessService } from './process-service';
import { ScriptedService } from './scripted-service';
import {
  PlaceholderService,
  ServiceRecord,
  TriggeredService,
  type ServiceDep,
  type ServiceSetContext,
  withLink,
} from './service';
import type { DependencyType } from '../model';
import { ServiceLoadError, type LoadFailure } from '../errors';

/** What the loader needs from the set. */
export interface LoaderHost extends ServiceSetContext {
  readonly source: DescriptionSource;
  /** Find a record by name, placeholders included. */
  findAny(name: string): ServiceRecord | undefined;
  addRecord(r: ServiceRecord): void;
  removeRecord(r: ServiceRecord): void;
  replaceRecord(orig: ServiceRecord, repl: ServiceRecord): void;
}

const CYCLE_MESSAGE = 'has cyclic dependency.';
const DEP_FAILED_MESSAGE = 'could not load dependency.';

function loadError(
  name: string,
  message: string,
  kind: 'load' | 'cycle' = 'load',
): ServiceLoadError {
  return new ServiceLoadError({ kind, name, message });
}

/** Upstream's log line for a description error (log_service_load_failure). */
export function describeLoadFailure(f: LoadFailure): string {
  switch (f.kind) {
    case 'not-found':
      return `Could not load service ${f.name}: service description not found.`;
    case 'description': {
      if (f.message.startsWith('Error in service description')) return f.message;
      if (f.line !== undefined && f.file !== undefined) {
        if (f.setting === undefined) {
          return `Error in service description for '${f.name}' (file ${f.file}, line ${f.line}): ${f.message}`;
        }
        return `Error in service description for '${f.name}': setting '${f.setting}' (file ${f.file}, line ${f.line}): ${f.message}`;
      }
      return `Error in service description for '${f.name}' setting '${f.setting ?? ''}': ${f.message}`;
    }
    case 'load':
    case 'cycle':
      return `Could not load service ${f.name}: ${f.message}`;
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

function asLoadError(e: unknown, name: string): ServiceLoadError {
  if (e instanceof ServiceLoadError) return e;
  const f = (e as { failure?: LoadFailure }).failure;
  if (f && typeof f.kind === 'string') return new ServiceLoadError(f);
  return loadError(name, (e as Error)?.message ?? String(e));
}

function isOrdering(t: DependencyType): boolean {
  return t === 'before' || t === 'after';
}

/** Create an empty record of the description's type (links are added by the caller). */
function createRecord(host: ServiceSetContext, desc: ServiceDescription): ServiceRecord {
  let r: ServiceRecord;
  switch (desc.type) {
    case 'process':
      r = new ProcessService(host, desc.name, desc);
      break;
    case 'bgprocess':
      r = new BgprocService(host, desc.name, desc);
      break;
    case 'scripted':
      r = new ScriptedService(host, desc.name, desc);
      break;
    case 'internal':
      r = new ServiceRecord(host, desc.name, 'internal');
      break;
    case 'triggered':
      r = new TriggeredService(host, desc.name, 'triggered');
      break;
    default: {
      const never: never = desc.type;
      throw new Error(`unknown service type ${String(never)}`);
    }
  }
  applySettings(r, desc);
  return r;
}

/** Copy the settings that live on every record type. */
function applySettings(r: ServiceRecord, desc: ServiceDescription): void {
  r.desc = desc;
  // Shared with the description (frozen by it) unless a bgprocess must lose runs-on-console.
  r.flags =
    desc.type === 'bgprocess' && desc.options.runsOnConsole
      ? { ...desc.options, runsOnConsole: false }
      : desc.options;
  r.autoRestart =
    desc.restart === 'yes' ? 'always' : desc.restart === 'on-failure' ? 'on-failure' : 'never';
  r.smoothRecovery = desc.smoothRecovery;
  r.chainTo = desc.chainTo ?? '';
  r.mtimeMs = desc.mtimeMs;
  r.mtimeNs = desc.mtimeNs;
  r.file = desc.file;
}

/** A dependency resolved to a record, not yet linked. */
interface ResolvedDep {
  to: ServiceRecord;
  type: DependencyType;
}

function targets(resolved: ResolvedDep[]): ServiceRecord[] {
  return resolved.map((r) => r.to);
}

interface Frame {
  name: string;
  desc: ServiceDescription;
  /** Dependencies to resolve (non-ordering), in order. */
  deps: DependencySpec[];
  /** The dependency directory each dep came from, if any (missing ones are then ignored). */
  fromDir: (string | undefined)[];
  i: number;
  resolved: ResolvedDep[];
}

/** A frame standing for a dependency that failed to load, so that errors name it. */
function failedFrame(name: string, desc: ServiceDescription): Frame {
  return { name, desc, deps: [], fromDir: [], i: 0, resolved: [] };
}

/** The state of one load() call: the frames being loaded, and what to undo if it fails. */
interface LoadState {
  /** A record that must not be reached (the service being reloaded). */
  avoid: ServiceRecord | undefined;
  loading: Map<string, Frame>;
  stack: Frame[];
  createdPlaceholders: PlaceholderService[];
  /**
   * A loading record holds the service's place in the set (list order is load-start order, as
   * upstream) until the real record replaces it.
   */
  dummies: Map<string, PlaceholderService>;
}

/** Loads services for one ServiceSet. */
export class Loader {
  constructor(private readonly set: LoaderHost) {}

  private fetch(name: string): ServiceDescription {
    try {
      return this.set.source.load(name);
    } catch (e) {
      throw asLoadError(e, name);
    }
  }

  /**
   * The non-ordering dependency list of desc. Entries of dependency directories (waits-for.d
   * and the like) are already in it: the config reader lists the directories.
   */
  private depList(desc: ServiceDescription): {
    deps: DependencySpec[];
    fromDir: (string | undefined)[];
  } {
    const deps: DependencySpec[] = [];
    const fromDir: (string | undefined)[] = [];
    for (const d of desc.dependencies) {
      if (!isOrdering(d.type)) {
        deps.push(d);
        // The config loader marks entries it read from a dependency directory.
        // Warnings name the directory as the setting wrote it, as upstream does.
        fromDir.push(d.fromDir !== undefined ? (d.fromDirSetting ?? d.fromDir) : undefined);
      }
    }
    return { deps, fromDir };
  }

  /**
   * Find or load `name` and everything it depends on. `avoid` is a record that must not be
   * reached (the service being reloaded). Throws ServiceLoadError.
   */
  load(name: string, avoid?: ServiceRecord): ServiceRecord {
    const existing = this.set.findAny(name);
    if (existing && existing === avoid) throw loadError(name, CYCLE_MESSAGE, 'cycle');
    if (existing && existing.recordType !== 'placeholder') return existing;

    const st: LoadState = {
      avoid,
      loading: new Map(),
      stack: [],
      createdPlaceholders: [],
      dummies: new Map(),
    };
    try {
      this.pushFrame(st, name);
    } catch (e) {
      this.dropDummies(st);
      throw asLoadError(e, name);
    }
    for (;;) {
      const top = st.stack[st.stack.length - 1];
      if (top.i < top.deps.length) {
        this.resolveNextDependency(st, top);
        continue;
      }
      let rec: ServiceRecord;
      try {
        rec = this.finishNew(top, st.loading, st.createdPlaceholders);
      } catch (e) {
        throw this.unwind(st, asLoadError(e, top.name));
      }
      st.stack.pop();
      st.loading.delete(top.name);
      st.dummies.delete(top.name);
      if (st.stack.length === 0) return rec;
      const parent = st.stack[st.stack.length - 1];
      parent.resolved.push({ to: rec, type: parent.deps[parent.i - 1].type });
    }
  }

  /** Read the description of `n` and start loading it on top of the stack. */
  private pushFrame(st: LoadState, n: string): void {
    const desc = this.fetch(n);
    const { deps, fromDir } = this.depList(desc);
    const f: Frame = { name: n, desc, deps, fromDir, i: 0, resolved: [] };
    st.stack.push(f);
    st.loading.set(n, f);
    if (!this.set.findAny(n)) {
      // A placeholder, so that "before" links made to it while it loads move to the record.
      const dummy = new PlaceholderService(this.set, n);
      dummy.isLoading = true;
      st.dummies.set(n, dummy);
      this.set.addRecord(dummy);
    }
  }

  /**
   * Resolve the next dependency of `top`: link a loaded record, or start loading the named
   * service. A cycle or a failed load unwinds the whole load (throws).
   */
  private resolveNextDependency(st: LoadState, top: Frame): void {
    const idx = top.i++;
    const spec = top.deps[idx];
    if (st.loading.has(spec.name) || (st.avoid && spec.name === st.avoid.name)) {
      // Report the cycle as the dependency's, then unwind through every loading frame.
      st.stack.push(failedFrame(spec.name, top.desc));
      throw this.unwind(st, loadError(spec.name, CYCLE_MESSAGE, 'cycle'));
    }
    const rec = this.set.findAny(spec.name);
    if (rec && rec.recordType !== 'placeholder') {
      top.resolved.push({ to: rec, type: spec.type });
      return;
    }
    try {
      this.pushFrame(st, spec.name);
    } catch (e) {
      const le = asLoadError(e, spec.name);
      const dir = top.fromDir[idx];
      if (dir !== undefined && le.failure.kind === 'not-found') {
        this.set.host.log(
          'warn',
          `Ignoring unresolved dependency '${spec.name}' in dependency directory '${dir}' for ${top.name} service.`,
        );
        return;
      }
      st.stack.push(failedFrame(spec.name, top.desc));
      throw this.unwind(st, le);
    }
  }

  /** Remove the loading records left over; one others already link to stays, as a placeholder. */
  private dropDummies(st: LoadState): void {
    for (const [n, d] of st.dummies) {
      if (this.set.findAny(n) !== d) continue;
      if (d.isUnrefd()) this.set.removeRecord(d);
      else d.isLoading = false;
    }
    st.dummies.clear();
  }

  /**
   * An error while working on the top frame: log it, and wrap it for each enclosing frame
   * ("could not load dependency."); undo what the load created. Returns the error to throw.
   */
  private unwind(st: LoadState, err: ServiceLoadError): ServiceLoadError {
    let e = err;
    const stack = st.stack;
    while (stack.length > 1) {
      const child = stack.pop() as Frame;
      st.loading.delete(child.name);
      this.set.host.log('error', describeLoadFailure(e.failure));
      const parent = stack[stack.length - 1];
      e = loadError(parent.name, DEP_FAILED_MESSAGE);
    }
    stack.length = 0;
    this.dropDummies(st);
    this.removeUnusedPlaceholders(st.createdPlaceholders);
    return e;
  }

  /** Remove placeholders a failed load or reload created and nothing links to. */
  private removeUnusedPlaceholders(created: PlaceholderService[]): void {
    for (const ph of created) {
      if (ph.isUnrefd() && this.set.findAny(ph.name) === ph) this.set.removeRecord(ph);
    }
  }

  /**
   * "after" links of desc: ordering links from this service (to placeholders for names not
   * loaded). A link to itself, or to a service still loading (`isLoading`), is a cycle.
   */
  private afterLinks(
    name: string,
    desc: ServiceDescription,
    created: PlaceholderService[],
    isLoading: (n: string) => boolean,
  ): ResolvedDep[] {
    const out: ResolvedDep[] = [];
    for (const d of desc.dependencies) {
      if (d.type !== 'after') continue;
      if (d.name === name || isLoading(d.name)) throw loadError(name, CYCLE_MESSAGE, 'cycle');
      out.push({ to: this.placeholderFor(d.name, created), type: 'after' });
    }
    return out;
  }

  /**
   * The services desc names in "before": each gets an ordering link onto this one. A named
   * service may itself be loading (its record is then a placeholder that the link moves with);
   * only a path back from our own dependencies (`resolved`) is a cycle.
   */
  private beforeTargets(
    name: string,
    desc: ServiceDescription,
    resolved: ResolvedDep[],
    created: PlaceholderService[],
  ): ServiceRecord[] {
    const befores: ServiceRecord[] = [];
    for (const d of desc.dependencies) {
      if (d.type !== 'before') continue;
      if (d.name === name) throw loadError(name, CYCLE_MESSAGE, 'cycle');
      const existing = this.set.findAny(d.name);
      if (!existing) {
        befores.push(this.placeholderFor(d.name, created));
        continue;
      }
      if (Loader.reaches(targets(resolved), existing)) {
        throw loadError(name, CYCLE_MESSAGE, 'cycle');
      }
      befores.push(existing);
    }
    return befores;
  }

  /** Get (or create) a placeholder for a before/after/consumer-of name. */
  private placeholderFor(name: string, created: PlaceholderService[]): ServiceRecord {
    const found = this.set.findAny(name);
    if (found) return found;
    const ph = new PlaceholderService(this.set, name);
    this.set.addRecord(ph);
    created.push(ph);
    return ph;
  }

  /** True if `target` is reachable from any of `starts` through dependency links. */
  static reaches(starts: ServiceRecord[], target: ServiceRecord): boolean {
    const seen = new Set<ServiceRecord>();
    const queue: ServiceRecord[] = [];
    for (const s of starts) {
      if (s === target) return true;
      if (!seen.has(s)) {
        seen.add(s);
        queue.push(s);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      for (const dep of queue[qi].dependsOn) {
        if (dep.to === target) return true;
        if (!seen.has(dep.to)) {
          seen.add(dep.to);
          queue.push(dep.to);
        }
      }
    }
    return false;
  }

  /** Validate consumer-of and return the producer record (creating a placeholder if needed). */
  private resolveConsumed(
    desc: ServiceDescription,
    self: ServiceRecord | undefined,
    created: PlaceholderService[],
  ): ServiceRecord | undefined {
    if (!desc.consumerOf) return undefined;
    const existing = this.set.findAny(desc.consumerOf);
    if (!existing) return this.placeholderFor(desc.consumerOf, created);
    const t = existing.recordType;
    if (t !== 'process' && t !== 'bgprocess' && t !== 'scripted' && t !== 'placeholder') {
      throw loadError(
        desc.name,
        "the 'consumer-of' setting specifies a service of a type that does not produce output",
      );
    }
    if (t !== 'placeholder' && existing.desc?.logType !== 'pipe') {
      throw loadError(
        desc.name,
        "the 'consumer-of' setting specifies a service that does not log via a pipe ('log-type = pipe')",
      );
    }
    if (existing.logConsumer && existing.logConsumer !== self) {
      throw loadError(
        desc.name,
        "the 'consumer-of' setting specifies a service that already has a consumer",
      );
    }
    return existing;
  }

  /** Build the record for a fully resolved frame and link it into the set. */
  private finishNew(
    f: Frame,
    loading: Map<string, Frame>,
    created: PlaceholderService[],
  ): ServiceRecord {
    const desc = f.desc;
    const after = this.afterLinks(f.name, desc, created, (n) => loading.has(n));
    const resolved = [...f.resolved, ...after];
    const befores = this.beforeTargets(f.name, desc, resolved, created);
    const consumed = this.resolveConsumed(desc, undefined, created);
    // Replacing a placeholder: others' ordering links to it become links to this service, so
    // none of our own dependencies may lead back to it.
    const orig = this.set.findAny(f.name);
    if (
      orig instanceof PlaceholderService &&
      // Only a placeholder something links to can close a cycle (this also keeps the walk
      // out of the common case, a plain loading record).
      !orig.isUnrefd() &&
      Loader.reaches(targets(resolved), orig)
    ) {
      throw loadError(f.name, CYCLE_MESSAGE, 'cycle');
    }

    // No failure is possible from here on.
    const rec = createRecord(this.set, desc);
    for (const r of resolved) rec.addDep(r.to, r.type);
    for (const b of befores) b.addDep(rec, 'before');

    if (orig instanceof PlaceholderService) {
      this.takeOverPlaceholder(orig, rec);
      this.set.replaceRecord(orig, rec);
    } else {
      // Replaces the loading record in place.
      this.set.addRecord(rec);
    }
    if (consumed && rec instanceof ProcessService) {
      rec.consumerFor = consumed;
      consumed.logConsumer = rec;
    }
    return rec;
  }

  /** Move the links a placeholder collected onto the real record that replaces it. */
  private takeOverPlaceholder(ph: PlaceholderService, rec: ServiceRecord): void {
    for (const dept of ph.dependents) {
      dept.to = rec;
      rec.dependents = withLink(rec.dependents, dept);
    }
    ph.dependents = [];
    for (const dep of ph.dependsOn) {
      dep.from = rec;
      rec.dependsOn = withLink(rec.dependsOn, dep);
    }
    ph.dependsOn = [];
    if (ph.logPipe && rec instanceof BaseProcessService) {
      rec.logPipe = ph.logPipe;
      ph.logPipe = undefined;
    }
    if (ph.logConsumer) {
      const consumer = ph.logConsumer;
      rec.logConsumer = consumer;
      if (consumer instanceof BaseProcessService) consumer.consumerFor = rec;
      ph.logConsumer = undefined;
    }
  }

  /**
   * Reload a loaded service from its description. Returns the (possibly new) record. Throws
   * ServiceLoadError with upstream's reasons when the new settings cannot be applied.
   */
  reload(svc: ServiceRecord): ServiceRecord {
    const name = svc.name;
    const desc = this.fetch(name);
    const created: PlaceholderService[] = [];
    try {
      const resolved = this.reloadDependencies(svc, desc, created);
      const befores = this.beforeTargets(name, desc, resolved, created);
      const newRecord = this.checkReload(svc, desc, resolved);
      const consumed = this.resolveConsumed(desc, svc, created);
      if (svc.state !== 'stopped' && (desc.type === 'process' || desc.type === 'bgprocess')) {
        const current = svc instanceof BaseProcessService ? svc.consumerFor : undefined;
        if (current !== consumed) {
          throw loadError(name, "cannot change consumed service ('consumer-of') when not stopped");
        }
      }

      // Apply; nothing can fail from here.
      let rec: ServiceRecord;
      if (newRecord) {
        rec = createRecord(this.set, desc);
        for (const r of resolved) rec.addDep(r.to, r.type);
        this.transferRecord(svc, rec, consumed);
        this.set.replaceRecord(svc, rec);
      } else {
        rec = svc;
        this.updateInPlace(rec, desc, resolved, consumed);
      }
      // "before" links that this service created are replaced by the new ones.
      for (const dept of [...rec.dependents]) {
        if (dept.type === 'before') {
          const from = dept.from;
          from.rmDepLink(dept);
          if (from instanceof PlaceholderService && from.isUnrefd()) this.set.removeRecord(from);
        }
      }
      for (const b of befores) b.addDep(rec, 'before');
      return rec;
    } catch (e) {
      this.removeUnusedPlaceholders(created);
      throw asLoadError(e, name);
    }
  }

  /**
   * The dependencies of the new description, loaded (never through svc itself), then its
   * "after" links; refuses a cycle back to svc.
   */
  private reloadDependencies(
    svc: ServiceRecord,
    desc: ServiceDescription,
    created: PlaceholderService[],
  ): ResolvedDep[] {
    const name = svc.name;
    const { deps: depSpecs, fromDir } = this.depList(desc);
    const resolved: ResolvedDep[] = [];
    for (let i = 0; i < depSpecs.length; i++) {
      const spec = depSpecs[i];
      try {
        resolved.push({ to: this.load(spec.name, svc), type: spec.type });
      } catch (e) {
        const le = asLoadError(e, spec.name);
        if (fromDir[i] !== undefined && le.failure.kind === 'not-found') continue;
        this.set.host.log('error', describeLoadFailure(le.failure));
        throw loadError(name, DEP_FAILED_MESSAGE);
      }
    }
    resolved.push(...this.afterLinks(name, desc, created, () => false));
    if (Loader.reaches(targets(resolved), svc)) {
      throw loadError(name, CYCLE_MESSAGE, 'cycle');
    }
    return resolved;
  }

  /** Apply a reloaded description to the running (or same-type) record itself. */
  private updateInPlace(
    rec: ServiceRecord,
    desc: ServiceDescription,
    resolved: ResolvedDep[],
    consumed: ServiceRecord | undefined,
  ): void {
    this.replaceDeps(rec, resolved);
    applySettings(rec, desc);
    if (rec instanceof BaseProcessService) {
      if (rec.logBuffer) rec.logBuffer.max = desc.logBufferSize;
      if (rec.logBuffer) rec.logBuffer.keep = desc.logBufferKeep ?? 'oldest';
      if (desc.logType !== 'pipe' && desc.logType !== 'buffer' && rec.logPipe && !rec.logConsumer) {
        rec.logPipe.close();
        rec.logPipe = undefined;
      }
    }
    if (rec instanceof ProcessService) {
      const prev = rec.consumerFor;
      if (prev && prev !== consumed && prev.logConsumer === rec) prev.logConsumer = undefined;
      rec.consumerFor = consumed;
      if (consumed) consumed.logConsumer = rec;
    }
  }

  /** Upstream's reload checks; returns true when a new record is needed (type changed). */
  private checkReload(
    svc: ServiceRecord,
    desc: ServiceDescription,
    resolved: ResolvedDep[],
  ): boolean {
    const name = svc.name;
    let newRecord = true;
    if (svc.state !== 'stopped') {
      if (desc.type !== svc.recordType) {
        throw loadError(name, 'cannot change type of non-stopped service.');
      }
      if (svc.state !== 'started') {
        throw loadError(
          name,
          'cannot alter settings for service which is currently starting/stopping.',
        );
      }
      for (const r of resolved) {
        if ((r.type === 'regular' || r.type === 'prepared-by') && r.to.state !== 'started') {
          throw loadError(name, `cannot add non-started dependency '${r.to.name}'.`);
        }
      }
      if (
        svc.flags.startsOnConsole !== desc.options.startsOnConsole ||
        svc.flags.sharesConsole !== desc.options.sharesConsole
      ) {
        throw loadError(
          name,
          'cannot change starts_on_console/shares_console flags for a running service.',
        );
      }
      if (svc.recordType === 'bgprocess' && (svc.desc?.pidFile ?? '') !== (desc.pidFile ?? '')) {
        throw loadError(name, 'cannot change pid_file for running service.');
      }
      if (
        svc.recordType === 'process' &&
        ((svc.desc?.inittabId ?? '') !== (desc.inittabId ?? '') ||
          (svc.desc?.inittabLine ?? '') !== (desc.inittabLine ?? ''))
      ) {
        throw loadError(
          name,
          'cannot change inittab-id or inittab-line settings for running service.',
        );
      }
      if (svc instanceof BaseProcessService && svc.desc.logType !== desc.logType) {
        throw loadError(name, 'cannot change log-type for running service.');
      }
      newRecord = false;
    } else if (desc.type === svc.recordType) {
      newRecord = false;
    }
    if (svc.logConsumer) {
      if (desc.type !== 'process' && desc.type !== 'bgprocess' && desc.type !== 'scripted') {
        throw loadError(
          name,
          'service has output consumer; service type must correspond to output-producing service (process, bgprocess, or scripted)',
        );
      }
      if (desc.logType !== 'pipe') {
        throw loadError(name, "service has output consumer; log type must be set to 'pipe'");
      }
    }
    return newRecord;
  }

  /** Replace the non-before dependencies of rec by `resolved` (new links first, then drop old). */
  private replaceDeps(rec: ServiceRecord, resolved: ResolvedDep[]): void {
    const old: ServiceDep[] = rec.dependsOn.filter((d) => d.type !== 'before');
    for (const r of resolved) rec.addDep(r.to, r.type);
    for (const d of old) {
      const to = d.to;
      rec.rmDepLink(d);
      if (to instanceof PlaceholderService && to.isUnrefd()) this.set.removeRecord(to);
    }
  }

  /** Move dependents, before-links, pipes and consumer links from orig to its replacement. */
  private transferRecord(
    orig: ServiceRecord,
    rec: ServiceRecord,
    consumed: ServiceRecord | undefined,
  ): void {
    for (const dept of orig.dependents) {
      if (dept.type === 'before') continue; // re-created by the caller
      dept.to = rec;
      rec.dependents = withLink(rec.dependents, dept);
    }
    orig.dependents = orig.dependents.filter((d) => d.type === 'before');
    for (const dep of orig.dependsOn) {
      if (dep.type === 'before') {
        dep.from = rec;
        rec.dependsOn = withLink(rec.dependsOn, dep);
      }
    }
    orig.dependsOn = orig.dependsOn.filter((d) => d.type !== 'before');
    if (orig instanceof BaseProcessService && rec instanceof BaseProcessService) {
      rec.logPipe = orig.logPipe;
      orig.logPipe = undefined;
    }
    if (orig.logConsumer) {
      rec.logConsumer = orig.logConsumer;
      if (orig.logConsumer instanceof BaseProcessService) orig.logConsumer.consumerFor = rec;
      orig.logConsumer = undefined;
    }
    if (orig instanceof ProcessService && orig.consumerFor && orig.consumerFor !== consumed) {
      if (orig.consumerFor.logConsumer === orig) orig.consumerFor.logConsumer = undefined;
    }
    if (orig instanceof ProcessService) orig.consumerFor = undefined;
    // Drop the remaining links of the original record.
    for (const dep of [...orig.dependsOn]) orig.rmDepLink(dep);
    for (const dept of [...orig.dependents]) dept.from.rmDepLink(dept);
    orig.dispose();
    if (rec instanceof ProcessService && consumed) {
      rec.consumerFor = consumed;
      consumed.logConsumer = rec;
    }
  }
}
