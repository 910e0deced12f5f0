// A fake CtlPort for dinitctl command tests: each test arranges the replies it expects; a call
// nobody arranged fails the test, and arranged calls that never happened can be listed.

import type { CtlPort, ServiceEventInfo, StatusInfo } from '../../../src/cli/port';
import { runDinitctl } from '../../../src/cli/main';
import type { ServiceEvent } from '../../../src/model';

type Handler = (...args: never[]) => unknown;

/** A status block (v5 layout) with defaults (stopped, normal), overridden by `p`. */
export function status(p: Partial<StatusInfo> = {}): StatusInfo {
  return {
    state: 'stopped',
    targetState: 'stopped',
    waitingForConsole: false,
    hasConsole: false,
    startSkipped: false,
    markedActive: false,
    hasPid: false,
    stopReason: 'normal',
    execStage: 0,
    word1: 0,
    word2: 0,
    ...p,
  };
}

/** A service event for `handle` (with a default status block). */
export function ev(handle: number, event: ServiceEvent, st = status()): ServiceEventInfo {
  return { kind: 'service', handle, event, status: st, format: 5 };
}

export class FakePort implements CtlPort {
  protocolVersion = 6;
  /** Events each handle will deliver, in order. */
  readonly events = new Map<number, ServiceEventInfo[]>();
  readonly calls: string[] = [];
  private readonly handlers = new Map<string, Handler[]>();
  closed = false;

  /** Arrange the next call of `method` to be answered by `fn` (one arrangement per call). */
  on<K extends keyof CtlPort>(
    method: K,
    fn: CtlPort[K] extends (...a: infer A) => infer R ? (...a: A) => Awaited<R> | R : never,
  ): this {
    const list = this.handlers.get(method) ?? [];
    list.push(fn as Handler);
    this.handlers.set(method, list);
    return this;
  }

  /** Methods arranged but never called. */
  unused(): string[] {
    return [...this.handlers.entries()].filter(([, l]) => l.length > 0).map(([k]) => k);
  }

  private call(method: string, ...args: unknown[]): unknown {
    this.calls.push(method);
    const list = this.handlers.get(method);
    const fn = list?.shift();
    if (fn === undefined) throw new Error(`unexpected call: ${method}(${JSON.stringify(args)})`);
    return (fn as (...a: unknown[]) => unknown)(...args);
  }

  /** Queue a service event for `handle`. */
  event(handle: number, event: ServiceEvent, st?: StatusInfo): this {
    const q = this.events.get(handle) ?? [];
    q.push(ev(handle, event, st));
    this.events.set(handle, q);
    return this;
  }

  loadService = async (name: string, findOnly: boolean) =>
    this.call('loadService', name, findOnly) as never;
  startStop = async (...a: Parameters<CtlPort['startStop']>) =>
    this.call('startStop', ...a) as never;
  nextEvent = async (handle: number) => this.events.get(handle)?.shift() ?? null;
  pendingEvents = (handle: number) => {
    const q = this.events.get(handle) ?? [];
    this.events.delete(handle);
    return q;
  };
  unpin = async (h: number) => this.call('unpin', h) as never;
  unload = async (h: number) => this.call('unload', h) as never;
  reload = async (h: number) => this.call('reload', h) as never;
  listServices = async () => this.call('listServices') as never;
  serviceStatus = async (h: number) => this.call('serviceStatus', h) as never;
  serviceDescriptionMtime = async (h: number) => this.call('serviceDescriptionMtime', h) as never;
  serviceName = async (h: number) => this.call('serviceName', h) as never;
  serviceDescriptionDir = async (h: number) => this.call('serviceDescriptionDir', h) as never;
  serviceDirs = async () => this.call('serviceDirs') as never;
  daemonEnvironment = async () => this.call('daemonEnvironment') as never;
  addRemoveDep = async (...a: Parameters<CtlPort['addRemoveDep']>) =>
    this.call('addRemoveDep', ...a) as never;
  enableDisable = async (...a: Parameters<CtlPort['enableDisable']>) =>
    this.call('enableDisable', ...a) as never;
  shutdown = async (k: Parameters<CtlPort['shutdown']>[0]) => this.call('shutdown', k) as never;
  waitClosed = async () => this.call('waitClosed') as never;
  setenv = async (s: string) => this.call('setenv', s) as never;
  setTrigger = async (h: number, v: boolean) => this.call('setTrigger', h, v) as never;
  catLog = async (h: number, c: boolean) => this.call('catLog', h, c) as never;
  signal = async (h: number, s: number) => this.call('signal', h, s) as never;
  extensionVersion = async () => this.call('extensionVersion') as never;
  reexec = async () => this.call('reexec') as never;
  snapshot = async () => this.call('snapshot') as never;
  close = () => {
    this.closed = true;
  };
}

/** Run dinitctl with `argv` against `port`; returns exit code and captured output. */
export async function run(
  argv: string[],
  port?: FakePort,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDinitctl(argv, {
    out: (t) => (out += t),
    outRaw: (d) => (out += d.toString()),
    err: (t) => (err += t),
    env,
    isRoot: false,
    connect: async () => {
      if (port === undefined) throw new Error('test did not expect a connection');
      return port;
    },
  });
  return { code, out, err };
}
