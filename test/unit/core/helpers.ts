// Shared fixtures for core tests: an in-memory DescriptionSource, a description builder with
// upstream's defaults, and a harness wiring ServiceSet to the fake OS and host with an event
// recorder.

import { type ServiceRef } from '../../../src/core/api';
import { ServiceSet } from '../../../src/core/service-set';
import type {
  DependencySpec,
  ServiceDescription,
  DescriptionSource,
} from '../../../src/config/types';
import { DEFAULT_SERVICE_OPTIONS, SERVICE_DEFAULTS } from '../../../src/config/types';
import { FakeHost } from '../../support/fake-host';
import { FakeOs, type FakeOsOptions } from '../../support/fake-os';
import type { DependencyType, ServiceEvent } from '../../../src/model';
import { ServiceLoadError } from '../../../src/errors';

type DescInput = Partial<Omit<ServiceDescription, 'options' | 'dependencies'>> & {
  options?: Partial<ServiceDescription['options']>;
  /** Shorthand dependency lists. */
  dependsOn?: string[];
  waitsFor?: string[];
  dependsMs?: string[];
  preparedBy?: string[];
  before?: string[];
  after?: string[];
  dependencies?: DependencySpec[];
};

/** A description with upstream's defaults; type defaults to internal. */
export function desc(name: string, d: DescInput = {}): ServiceDescription {
  const deps: DependencySpec[] = [...(d.dependencies ?? [])];
  const add = (list: string[] | undefined, type: DependencyType) => {
    for (const n of list ?? []) deps.push({ name: n, type });
  };
  add(d.dependsOn, 'regular');
  add(d.waitsFor, 'waits-for');
  add(d.dependsMs, 'milestone');
  add(d.preparedBy, 'prepared-by');
  add(d.before, 'before');
  add(d.after, 'after');
  const type = d.type ?? 'internal';
  const out: ServiceDescription = {
    name,
    type,
    command: d.command ?? (type === 'internal' || type === 'triggered' ? [] : [`/bin/${name}`]),
    stopCommand: d.stopCommand ?? [],
    dependencies: deps,
    restart: d.restart ?? 'no',
    smoothRecovery: d.smoothRecovery ?? false,
    restartDelayMs: d.restartDelayMs ?? SERVICE_DEFAULTS.restartDelayMs,
    restartLimitIntervalMs: d.restartLimitIntervalMs ?? SERVICE_DEFAULTS.restartLimitIntervalMs,
    restartLimitCount: d.restartLimitCount ?? SERVICE_DEFAULTS.restartLimitCount,
    startTimeoutMs: d.startTimeoutMs ?? SERVICE_DEFAULTS.startTimeoutMs,
    stopTimeoutMs: d.stopTimeoutMs ?? SERVICE_DEFAULTS.stopTimeoutMs,
    termSignal: d.termSignal ?? SERVICE_DEFAULTS.termSignal,
    logType: d.logType ?? 'none',
    logfilePermissions: d.logfilePermissions ?? SERVICE_DEFAULTS.logfilePermissions,
    logBufferSize: d.logBufferSize ?? SERVICE_DEFAULTS.logBufferSize,
    exportPasswdVars: d.exportPasswdVars ?? false,
    exportServiceName: d.exportServiceName ?? false,
    socketPermissions: d.socketPermissions ?? SERVICE_DEFAULTS.socketPermissions,
    rlimits: d.rlimits ?? {},
    options: { ...DEFAULT_SERVICE_OPTIONS, ...d.options },
  };
  for (const k of Object.keys(d) as (keyof DescInput)[]) {
    if (
      !(k in out) &&
      !['dependsOn', 'waitsFor', 'dependsMs', 'preparedBy', 'before', 'after'].includes(k)
    ) {
      (out as unknown as Record<string, unknown>)[k] = d[k];
    }
  }
  return out;
}

/** In-memory descriptions; load() counts calls per name. */
export class MemSource implements DescriptionSource {
  descs = new Map<string, ServiceDescription>();
  loads = new Map<string, number>();
  env: Record<string, string> = { PATH: '/usr/bin:/bin' };

  add(...ds: ServiceDescription[]): this {
    for (const d of ds) this.descs.set(d.name, d);
    return this;
  }

  load(name: string): ServiceDescription {
    this.loads.set(name, (this.loads.get(name) ?? 0) + 1);
    const d = this.descs.get(name);
    if (!d) throw new ServiceLoadError({ kind: 'not-found', name });
    return d;
  }

  environment(): Record<string, string> {
    return this.env;
  }
}

/** A ServiceSet on a fake OS, recording "name event" strings from listeners. */
export class Harness {
  readonly os: FakeOs;
  readonly host = new FakeHost();
  readonly src = new MemSource();
  readonly set: ServiceSet;
  readonly events: string[] = [];

  constructor(opts: FakeOsOptions = {}) {
    this.os = new FakeOs(opts);
    this.set = new ServiceSet(this.os, this.host, this.src);
    this.set.addListener({
      onServiceEvent: (ref: ServiceRef, ev: ServiceEvent) => {
        this.events.push(`${ref.name} ${ev}`);
      },
    });
  }

  add(...ds: ServiceDescription[]): this {
    this.src.add(...ds);
    return this;
  }

  ref(name: string): ServiceRef {
    return this.set.find(name) ?? this.set.load(name);
  }

  state(name: string): string {
    const r = this.set.find(name);
    return r ? this.set.status(r).state : 'unloaded';
  }

  status(name: string) {
    return this.set.status(this.ref(name));
  }

  start(name: string, pin = false) {
    return this.set.start(this.ref(name), { pin });
  }

  stop(name: string, opts: { force?: boolean; pin?: boolean } = { force: true }) {
    return this.set.stop(this.ref(name), opts);
  }

  release(name: string) {
    return this.set.release(this.ref(name));
  }

  wake(name: string) {
    return this.set.wake(this.ref(name));
  }

  restart(name: string, force = false) {
    return this.set.restart(this.ref(name), { force });
  }

  /** Events for one service, in order. */
  eventsOf(name: string): string[] {
    return this.events.filter((e) => e.startsWith(name + ' ')).map((e) => e.slice(name.length + 1));
  }
}
