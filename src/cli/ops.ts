// Steps several dinitctl commands share: loading a service with upstream's error text, waiting
// for a service to reach a state, and the start/stop/wake/release/restart flow.

import * as fs from 'node:fs';
import type { CommandContext } from './command';
import { failureDetails } from './format';
import type { ActionResult, CtlPort, LoadResult, ServiceEventInfo } from './port';
import type { ServiceState } from '../model';
import { CliError, ControlError } from '../errors';
import { toBytes } from '../bytes';

/** upstream's two lines for each way a load can fail. */
const LOAD_FAILURE: Record<Exclude<LoadResult['kind'], 'found'>, string> = {
  noservice:
    'dinitctl: failed to find service description.\n' +
    'dinitctl: check service description file exists / service name spelling.\n',
  'desc-error':
    'dinitctl: error in service description.\n' +
    "dinitctl: try 'dinit-check <service-name>' or check log for more information.\n",
  'load-error':
    'dinitctl: error loading service (or dependency of service).\n' +
    "dinitctl: try 'dinit-check <service-name>' or check log for more information.\n",
};

/** A loaded service: its handle and its state when it was found. */
export interface Loaded {
  handle: number;
  state: ServiceState;
}

/**
 * Load (or, with findOnly, find) a service. Returns its handle and state, or undefined after
 * printing upstream's error lines (when `writeError`).
 */
export async function loadService(
  ctx: CommandContext,
  port: CtlPort,
  name: string,
  opts: { findOnly?: boolean; writeError?: boolean; reply?: LoadResult } = {},
): Promise<Loaded | undefined> {
  const r = opts.reply ?? (await port.loadService(name, opts.findOnly ?? false));
  if (r.kind === 'found') return { handle: r.handle, state: r.state };
  if (opts.writeError ?? true) ctx.err(LOAD_FAILURE[r.kind]);
  return undefined;
}

/**
 * Connect, check that the daemon speaks at least `minVersion`, and load the service named by
 * the command's argument. Undefined after printing the load failure.
 */
export async function connectAndLoad(
  ctx: CommandContext,
  name: string,
  minVersion = 0,
): Promise<(Loaded & { port: CtlPort }) | undefined> {
  const port = await ctx.connect();
  if (port.protocolVersion < minVersion) throw new ControlError('old-server', 'daemon too old');
  const s = await loadService(ctx, port, name);
  return s === undefined ? undefined : { ...s, port };
}

/**
 * Check an ACK / NAK / other answer: returns for ACK; throws CliError with `nakMessage` (printed
 * after "dinitctl: ") for NAK, and CliError EPROTO for any other reply.
 */
export function expectAck(reply: 'ack' | 'nak' | 'other', nakMessage: string): void {
  if (reply === 'nak') throw new CliError('ENAK', nakMessage);
  if (reply !== 'ack') throw new CliError('EPROTO', 'control socket protocol error');
}

/**
 * Report a service event if it ends the wait for `stop` (stopped) or start (started): returns 0
 * for completion, 1 for cancellation or failure, -1 when the event does not end the wait.
 */
export function reportEvent(
  ctx: CommandContext,
  ev: ServiceEventInfo,
  name: string,
  stop: boolean,
): number {
  if (ev.event === (stop ? 'stopped' : 'started')) {
    if (ctx.verbose) ctx.out(`Service '${name}' ${stop ? 'stopped' : 'started'}.\n`);
    return 0;
  }
  if (ev.event === (stop ? 'stopcancelled' : 'startcancelled')) {
    if (ctx.verbose) ctx.out(`Service '${name}' ${stop ? 'stop' : 'start'} cancelled.\n`);
    return 1;
  }
  if (!stop && ev.event === 'failedstart') {
    if (ctx.verbose) ctx.out(`Service '${name}' failed to start.\n` + failureDetails(ev.status));
    return 1;
  }
  return -1;
}

/** Wait until the service reaches stopped (`stop`) or started; resolves with the exit code. */
export async function waitServiceState(
  ctx: CommandContext,
  port: CtlPort,
  handle: number,
  name: string,
  stop: boolean,
): Promise<number> {
  for (;;) {
    const ev = await port.nextEvent(handle);
    if (ev === null) throw new CliError('EPROTO', 'protocol error');
    const r = reportEvent(ctx, ev, name, stop);
    if (r >= 0) return r;
  }
}

/** The description file of a loaded service: its directory joined with the base name. */
export async function serviceFilePath(
  port: CtlPort,
  handle: number,
  name: string,
): Promise<string> {
  const dir = await port.serviceDescriptionDir(handle);
  const at = name.indexOf('@');
  const base = at === -1 ? name : name.slice(0, at);
  return dir.endsWith('/') ? dir + base : `${dir}/${base}`;
}

/** Warn (as upstream does) when the description file changed since the daemon loaded it. */
async function warnIfChanged(
  ctx: CommandContext,
  port: CtlPort,
  handle: number,
  name: string,
): Promise<void> {
  if (port.protocolVersion < 6) return;
  const file = await serviceFilePath(port, handle, name);
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(toBytes(file), { bigint: true });
  } catch {
    return;
  }
  const loaded = await port.serviceDescriptionMtime(handle);
  if (loaded === null) return;
  const sec = Number(st.mtimeNs / 1000000000n);
  const nsec = Number(st.mtimeNs % 1000000000n);
  if (loaded.sec !== sec || loaded.nsec !== nsec) {
    ctx.err(
      `dinitctl: warning: service description may have changed; use 'dinitctl reload ${name}' to apply changes.\n`,
    );
  }
}

type StartStopCommand = 'start' | 'stop' | 'restart' | 'wake' | 'release';

/** What one start/stop/... run is about. */
interface StartStop {
  ctx: CommandContext;
  port: CtlPort;
  command: StartStopCommand;
  name: string;
  handle: number;
  /** stop or release: waiting for the service to stop. */
  stop: boolean;
}

/** The message and exit code for a NAK, as each command means it. */
function refusedByNak(op: StartStop): number {
  const { ctx, command, name } = op;
  if (command === 'restart') {
    if (ctx.cl.ignoreUnstarted) {
      if (ctx.verbose) ctx.out(`Service '${name}' is not currently started.\n`);
      return 0;
    }
    ctx.err('dinitctl: cannot restart service; service not started.\n');
    return 1;
  }
  if (command === 'wake') {
    ctx.err('dinitctl: service has no active dependents, cannot wake.\n');
    return 1;
  }
  throw new CliError('EPROTO', 'protocol error.');
}

/** Print the hard dependents that keep a stop from happening. */
async function refusedByDependents(op: StartStop, handles: number[]): Promise<number> {
  const { ctx, command, name } = op;
  // Only a stop (restart included) can be refused for its dependents.
  if (command !== 'stop' && command !== 'restart') throw new CliError('EPROTO', 'protocol error.');
  ctx.err(`dinitctl: cannot stop service '${name}' due to the following dependents:\n`);
  if (command !== 'restart') {
    ctx.err("(only direct dependents are listed. Exercise caution before using '--force' !!)\n");
  }
  const names: string[] = [];
  for (const h of handles) names.push(await op.port.serviceName(h));
  ctx.err(' ' + names.map((n) => ' ' + n).join('') + '\n');
  return 1;
}

/**
 * The exit code of any reply but ACK (after printing upstream's text for it), or undefined for
 * ACK: the command was issued and its outcome is still to come.
 */
async function replyOutcome(
  op: StartStop,
  reply: ActionResult,
  state: ServiceState,
): Promise<number | undefined> {
  const { ctx, command, name, stop } = op;
  switch (reply.kind) {
    case 'already':
      if (!ctx.verbose) return 0;
      if (command === 'restart') ctx.out('Service restarted.\n');
      else {
        const already = state === (stop ? 'stopped' : 'started');
        ctx.out(`Service ${already ? '(already) ' : ''}${stop ? 'stopped' : 'started'}.\n`);
      }
      return 0;
    case 'pinned-started':
      ctx.err(`dinitctl: cannot stop service '${name}' as it is pinned started\n`);
      return 1;
    case 'pinned-stopped':
      ctx.err(`dinitctl: cannot start service '${name}' as it is pinned stopped\n`);
      return 1;
    case 'dependents':
      return refusedByDependents(op, reply.handles);
    case 'nak':
      return refusedByNak(op);
    case 'shutting-down':
      ctx.err('dinitctl: cannot start/restart/wake service, shutdown is in progress.\n');
      return 1;
    case 'ack':
      return undefined;
  }
}

/** Wait for the outcome of an issued command; `seen` are the events that came with the reply. */
async function awaitOutcome(op: StartStop, seen: ServiceEventInfo[]): Promise<number> {
  const { ctx, port, handle, name, stop } = op;
  // Events that arrived before the reply already tell part of the story; only wait for the rest.
  if (op.command === 'restart') {
    if (seen.some((e) => e.event === 'stopped')) {
      if (ctx.verbose) ctx.out(`Service '${name}' stopped.\n`);
    } else if ((await waitServiceState(ctx, port, handle, name, true)) !== 0) {
      return 1;
    }
  }
  const ending = stop ? ['stopped', 'stopcancelled'] : ['started', 'failedstart', 'startcancelled'];
  const ev = seen.find((e) => ending.includes(e.event));
  if (ev !== undefined) return reportEvent(ctx, ev, name, stop);
  return waitServiceState(ctx, port, handle, name, stop);
}

/** start / stop / restart / wake / release of one service, with upstream's text and exit codes. */
export async function startStopService(
  ctx: CommandContext,
  command: StartStopCommand,
): Promise<number> {
  const { cl } = ctx;
  const name = cl.args[0];
  const stop = command === 'stop' || command === 'release';
  const ignoreUnstarted = cl.ignoreUnstarted && (stop || command === 'restart');
  const port = await ctx.connect();
  const loaded = await loadService(ctx, port, name, { writeError: !ignoreUnstarted });
  if (loaded === undefined) return ignoreUnstarted ? 0 : 1;
  const op: StartStop = { ctx, port, command, name, handle: loaded.handle, stop };
  if (!stop) await warnIfChanged(ctx, port, op.handle, name);

  const { reply, seen } = await port.startStop(
    command === 'restart' ? 'stop' : command,
    op.handle,
    { pin: cl.pin, force: cl.force, restart: command === 'restart' },
  );
  const refused = await replyOutcome(op, reply, loaded.state);
  if (refused !== undefined) return refused;
  if (cl.noWait) {
    if (ctx.verbose)
      ctx.out(`Issued ${stop ? 'stop' : 'start'} command successfully for service '${name}'.\n`);
    return 0;
  }
  return awaitOutcome(op, seen);
}

/** add-dep / rm-dep: load both services and add or remove the dependency between them. */
export async function addRemoveDependency(ctx: CommandContext, add: boolean): Promise<number> {
  const { cl } = ctx;
  const from = cl.from as string;
  const to = cl.to as string;
  const port = await ctx.connect();
  const f = await loadService(ctx, port, from);
  if (f === undefined) return 1;
  const t = await loadService(ctx, port, to);
  if (t === undefined) return 1;
  if (f.handle === t.handle) {
    ctx.err('dinitctl: can not add/remove a dependency from a service to itself\n');
    return 1;
  }
  const r = await port.addRemoveDep(add, cl.depType ?? 'regular', f.handle, t.handle);
  expectAck(
    r,
    add
      ? 'could not add dependency: circular dependency or wrong state'
      : 'no such dependency to remove',
  );
  if (ctx.verbose) ctx.out(`Service '${from}': dependency '${to}' ${add ? 'added' : 'removed'}\n`);
  return 0;
}

/** trigger / untrigger: set or clear the trigger of a triggered service. */
export async function setServiceTrigger(ctx: CommandContext, value: boolean): Promise<number> {
  const s = await connectAndLoad(ctx, ctx.cl.args[0], 2);
  if (s === undefined) return 1;
  if ((await s.port.setTrigger(s.handle, value)).kind === 'nak') {
    ctx.err("dinitctl: cannot trigger a service that is not of 'triggered' type.\n");
    return 1;
  }
  return 0;
}

/** upstream's text when the daemon refuses an unload or a reload. */
const UNLOAD_RELOAD_REFUSED = {
  unload:
    'dinitctl: could not unload service; service not stopped, or is a dependency of another service.\n',
  reload:
    'dinitctl: could not reload service; service in wrong state, incompatible change, or bad service description.\n',
};

/** unload / reload of a loaded service (reload of a service not yet loaded simply loads it). */
export async function unloadOrReload(
  ctx: CommandContext,
  command: 'unload' | 'reload',
): Promise<number> {
  const name = ctx.cl.args[0];
  const port = await ctx.connect();
  const r = await port.loadService(name, true);
  if (r.kind === 'noservice' && command === 'unload') {
    ctx.err('dinitctl: service not loaded.\n');
    return 1;
  }
  const s = await loadService(ctx, port, name, r.kind === 'noservice' ? {} : { reply: r });
  if (s === undefined) return 1;
  if (r.kind !== 'noservice' && (await port[command](s.handle)).kind === 'nak') {
    ctx.err(UNLOAD_RELOAD_REFUSED[command]);
    return 1;
  }
  if (ctx.verbose) ctx.out(`Service '${name}' ${command}ed.\n`);
  return 0;
}
