// The checks of dinit-check: load the requested services and everything they reach (reporting
// description errors and file lints as they come), then the checks across services:
// consumer-of links, dependency depth and dependency cycles.

import { loadService, type CheckHooks } from '../config/read-description';
import type { ServiceDescription } from '../config/types';
import { ServiceLoadError, type DescriptionError } from '../errors';
import {
  MAX_DEP_DEPTH,
  assignDepths,
  findCycle,
  formatCycle,
  type CheckRecord,
} from './dependency-graph';
import { lintFiles } from './lint-files';

export const APP = 'dinit-check';

/** Output sinks; stdout and stderr are written synchronously so their interleaving is kept. */
export interface CheckIo {
  out(text: string): void;
  err(text: string): void;
}

/** Where the services come from and how paths in them are substituted. */
export interface CheckSource {
  serviceDirs: string[];
  env: Record<string, string>;
  /** The environment is the daemon's (--online): no warning about variable substitution. */
  online: boolean;
}

/** Prints errors and warnings, remembering that one was issued. */
class Report {
  errorsFound = false;
  constructor(readonly io: CheckIo) {}
  error(text: string): void {
    this.io.err(text + '\n');
    this.errorsFound = true;
  }
  /** A remark that does not make the check fail (e.g. a dinit-ts extension in use). */
  note(text: string): void {
    this.io.err(text + '\n');
  }
}

/** Load and check `names` (default "boot") and everything reachable; print the report; exit status. */
export function checkServices(names: string[], source: CheckSource, io: CheckIo): number {
  const report = new Report(io);
  const queue = new CheckQueue(names.length > 0 ? names : ['boot']);
  for (const entry of queue.entries) {
    io.out(`Checking service: ${entry.name}...\n`);
    const rec = loadOne(entry.name, source, report);
    if (!rec) continue;
    queue.loaded(rec);
    for (const dep of rec.deps) queue.add(dep.name, entry.depth + 1);
    // Ordering links and consumer-of are not real dependencies: depth 0. Upstream's checker
    // means to check the chain-to target too but never records it, so it is not loaded here.
    for (const b of rec.before) queue.add(b, 0);
    for (const a of rec.after) queue.add(a, 0);
    if (rec.consumerOf !== undefined) queue.add(rec.consumerOf, 0);
  }

  io.out('Performing secondary checks...\n');
  const find = (n: string): CheckRecord | undefined => queue.services.get(n);
  const sortedNames = [...queue.services.keys()].sort(byteCompare);
  for (const rec of sortedNames.map(find)) if (rec) checkConsumerOf(rec, find, report);
  for (const rec of sortedNames.map(find)) if (rec) mergeOrderingLinks(rec, find);
  assignDepths(sortedNames, find, (text) => io.err(text));
  const chain = findCycle(
    queue.entries.slice(0, queue.requested).map((e) => find(e.name)),
    find,
  );
  if (chain.length > 0) {
    report.errorsFound = true;
    io.err(formatCycle(chain));
  }

  io.err('Secondary checks complete.\n');
  io.out(report.errorsFound ? 'One or more errors/warnings issued.\n' : 'No problems found.\n');
  return report.errorsFound ? 1 : 0;
}

/**
 * The services to load, in the order they are found, each with the deepest dependency depth
 * seen so far, and the records of those loaded.
 */
class CheckQueue {
  readonly entries: { name: string; depth: number }[];
  /** How many services were named on the command line (the roots of the cycle search). */
  readonly requested: number;
  readonly services = new Map<string, CheckRecord>();
  // Index of entries by name (first entry wins, as a linear search would find).
  private readonly pendingByName = new Map<string, { name: string; depth: number }>();

  constructor(names: string[]) {
    this.entries = names.map((name) => ({ name, depth: 0 }));
    this.requested = names.length;
    for (const t of this.entries)
      if (!this.pendingByName.has(t.name)) this.pendingByName.set(t.name, t);
  }

  loaded(rec: CheckRecord): void {
    this.services.set(rec.name, rec);
  }

  add(name: string, depth: number): void {
    // Loading stops just past the maximum depth, so the excess can still be reported later.
    if (depth > MAX_DEP_DEPTH + 1) return;
    const rec = this.services.get(name);
    if (rec) {
      rec.depDepth = Math.max(rec.depDepth, depth);
      return;
    }
    const pending = this.pendingByName.get(name);
    if (pending) {
      pending.depth = Math.max(pending.depth, depth);
      return;
    }
    const entry = { name, depth };
    this.entries.push(entry);
    this.pendingByName.set(name, entry);
  }
}

/** Loads one service, reporting what is wrong with it; undefined when it could not be loaded. */
function loadOne(name: string, source: CheckSource, report: Report): CheckRecord | undefined {
  try {
    const env = { serviceDirs: source.serviceDirs, env: source.env };
    const loaded = loadService(name, env, checkHooks(name, source.online, report));
    lintFiles(loaded, (text) => report.error(text), name);
    for (const x of loaded.settings.extensions) {
      report.note(
        `Service '${name}' (${x.pos.file}:${x.pos.line}): note: ${x.what} is a dinit-ts extension, ` +
          'not understood by upstream Dinit',
      );
    }
    return checkRecord(name, loaded.description);
  } catch (e) {
    if (!(e instanceof ServiceLoadError)) throw e;
    const f = e.failure;
    const desc = f.kind === 'not-found' ? 'service description not found.' : f.message;
    report.error(`Unable to load service '${name}': ${desc}`);
    return undefined;
  }
}

/** How the loader's findings about one service are worded, as upstream's checker words them. */
function checkHooks(name: string, online: boolean, report: Report): CheckHooks {
  let warnedSubst = online;
  return {
    lineError(e: DescriptionError) {
      const who = e.serviceName ?? name;
      if (e.pos) report.error(`Service '${who}' (${e.pos.file}:${e.pos.line}): ${e.message}`);
      else report.error(`Service '${who}' setting '${e.setting ?? ''}': ${e.message}`);
    },
    error: (m) => report.error(`Service '${name}': ${m}`),
    lint: (m) => report.error(`Service '${name}': warning: ${m}`),
    varLookup() {
      if (warnedSubst) return;
      warnedSubst = true;
      report.io.err(
        `${APP}: warning: variable substitution performed by ${APP} for file paths may not match dinit daemon ` +
          '(environment may differ); use --online to avoid this warning\n',
      );
    },
    readError: (reason) =>
      report.error(`Service '${name}', error reading service description: ${reason}`),
    depDirError: (dir, reason) =>
      report.error(
        `Service '${name}', error reading dependencies from directory ${dir}: ${reason}`,
      ),
  };
}

function checkRecord(name: string, d: ServiceDescription): CheckRecord {
  const isOrdering = (t: string): boolean => t === 'before' || t === 'after';
  return {
    name,
    type: d.type,
    chainTo: d.chainTo,
    deps: d.dependencies
      .filter((x) => !isOrdering(x.type))
      .map((x) => ({ name: x.name, type: x.type })),
    before: d.dependencies.filter((x) => x.type === 'before').map((x) => x.name),
    after: d.dependencies.filter((x) => x.type === 'after').map((x) => x.name),
    consumerOf: d.consumerOf,
    logType: d.logType,
    depDepth: 0,
    topologyIndex: 0,
    visited: false,
    cycleFree: false,
  };
}

/** A consumer-of target must exist, log to a pipe, and run a process. */
function checkConsumerOf(
  rec: CheckRecord,
  find: (name: string) => CheckRecord | undefined,
  report: Report,
): void {
  if (rec.consumerOf === undefined) return;
  const consumed = find(rec.consumerOf);
  if (!consumed) {
    report.io.err(
      `Warning: Service '${rec.name}' specified as consumer of service '${rec.consumerOf}' which was not found.\n`,
    );
    return;
  }
  const what = `Service '${rec.name}': specified as consumer of service '${consumed.name}' which`;
  if (consumed.logType !== 'pipe') {
    report.error(`${what} has log-type that is not 'pipe'.`);
  } else if (!['process', 'bgprocess', 'scripted'].includes(consumed.type)) {
    report.error(`${what} is not a process-based service.`);
  }
}

/** "before" is a reverse ordering link and "after" a forward one; both join the cycle check. */
function mergeOrderingLinks(
  rec: CheckRecord,
  find: (name: string) => CheckRecord | undefined,
): void {
  for (const b of rec.before) find(b)?.deps.push({ name: rec.name, type: 'before' });
  for (const a of rec.after) if (find(a)) rec.deps.push({ name: a, type: 'after' });
}

/** Order byte strings by their bytes, as a std::map<std::string> does. */
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
