// The daemon's global environment: what service processes inherit. It starts from the
// daemon's own environment (plus any -e env file), changes at run time through SETENV, and
// tells listeners (LISTENENV connections) about every change, as Dinit's main_env does.

import { EnvError } from '../errors';
/** Called with NAME=VALUE after a set, or NAME after an unset; overridden = it had a value before. */
export type EnvListener = (envVar: string, overridden: boolean) => void;

/**
 * Variables of the activation environment, in a stable order: the initial variables first
 * (in the order given), then variables added later in the order they were first set.
 */
export class EnvStore {
  private readonly vars = new Map<string, string>();
  /** Names present in the initial (parent) environment, for the `overridden` flag of unsets. */
  private readonly initialNames: Set<string>;
  /** Names unset explicitly at run time (a later set of such a name is not an override). */
  private readonly undefined = new Set<string>();
  private readonly listeners = new Set<EnvListener>();
  /** The record toRecord() last gave, until the next change (every load and launch asks). */
  private record: Readonly<Record<string, string>> | undefined;

  /** Starts from `initial` (default: a copy of process.env). Entries with undefined values are skipped. */
  constructor(initial: Record<string, string | undefined> = process.env) {
    for (const [k, v] of Object.entries(initial)) {
      if (v !== undefined && k !== '' && !k.includes('=')) this.vars.set(k, v);
    }
    this.initialNames = new Set(this.vars.keys());
  }

  /**
   * Sets variables without notifying listeners (start-up: values from the -e env file).
   * Each entry is [name, value].
   */
  applyInitial(entries: Iterable<[string, string]>): void {
    for (const [k, v] of entries) {
      checkName(k);
      this.vars.set(k, v);
      this.undefined.delete(k);
    }
    this.record = undefined;
  }

  /**
   * Sets NAME=VALUE and notifies listeners. Throws EnvError (EENVVAR) when there is no '=' or
   * the name is empty.
   */
  set(nameAndValue: string): void {
    const eq = nameAndValue.indexOf('=');
    if (eq < 0)
      throw new EnvError(nameAndValue, `environment variable '${nameAndValue}' has no '=VALUE'`);
    const name = nameAndValue.slice(0, eq);
    checkName(name);
    // Dinit treats re-setting a variable it had explicitly unset as a fresh definition.
    const overridden = !this.undefined.has(name) && this.vars.has(name);
    this.undefined.delete(name);
    this.vars.set(name, nameAndValue.slice(eq + 1));
    this.record = undefined;
    this.notify(nameAndValue, overridden);
  }

  /** Unsets NAME and notifies listeners (even if it was not set). Throws EnvError for an empty name or one with '='. */
  unset(name: string): void {
    checkName(name);
    if (name.includes('='))
      throw new EnvError(name, `environment variable name '${name}' contains '='`);
    // Like Dinit, a variable of the parent environment counts as "was set" even when already unset.
    const overridden = this.vars.has(name) || this.initialNames.has(name);
    this.vars.delete(name);
    this.undefined.add(name);
    this.record = undefined;
    this.notify(name, overridden);
  }

  /** The value of NAME, or undefined. */
  get(name: string): string | undefined {
    return this.vars.get(name);
  }

  /** Every variable as NAME=VALUE, in store order (what GETALLENV returns). */
  entries(): string[] {
    return [...this.vars].map(([k, v]) => `${k}=${v}`);
  }

  /**
   * The environment as a plain object (what loads and service launches use): one frozen object
   * shared until the next change, rather than a copy for every load and every launch.
   */
  toRecord(): Readonly<Record<string, string>> {
    this.record ??= Object.freeze(Object.fromEntries(this.vars));
    return this.record;
  }

  /** Adds a listener; returns a function that removes it. */
  addListener(l: EnvListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Number of registered listeners (LISTENENV connections). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  removeListener(l: EnvListener): void {
    this.listeners.delete(l);
  }

  private notify(envVar: string, overridden: boolean): void {
    // Copy: a listener may remove itself (or others) while being notified.
    for (const l of [...this.listeners]) {
      try {
        l(envVar, overridden);
      } catch {
        // Listeners belong to connections; one failing must not stop the others or the caller.
      }
    }
  }
}

function checkName(name: string): void {
  if (name === '') throw new EnvError(name, 'environment variable name is empty');
}
