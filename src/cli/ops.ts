// Steps several dinitctl commands share: loading a service with upstream's error text, waiting
// for a service to reach a state, and the start/stop/wake/release/restart flow.

import * as fs from 'node:fs';
import { CommandContext } from './command';
import { failureDetails } from './format';
import { CtlPort, Event, LoadReply, ServiceEventInfo, State } from './port';
import { CliError } from '../errors';
import { ControlError } from '../errors';

/**
 * Load (or, with findOnly, find) a service. Returns its handle and state, or undefined after
 * printing upstream's error lines (when `writeError`).
 */
export async function loadService(
  ctx: CommandContext,
  port: CtlPort,
  name: string,
  opts: { findOnly?: boolean; writeError?: boolean; reply?: LoadReply } = {},
): Promise<{ handle: number; state: number } | undefined> {
  const r = opts.reply ?? (await port.loadService(name, opts.findOnly ?? false));
  const writeError = opts.writeError ?? true;
  switch (r.kind) {
    case 'record':
      return { handle: r.handle, state: r.state };
    case 'noservice':
      if (writeError) {
        ctx.err('dinitctl: failed to find service description.\n');
        ctx.err('dinitctl: check service description file exists / service name spelling.\n');
      }
      return undefined;
    case 'desc-err':
      if (writeError) {
        ctx.err('dinitctl: error in service description.\n');
        ctx.err("dinitctl: try 'dinit-check <service-name>' or check log for more information.\n");
      }
      return undefined;
    case 'load-err':
      if (writeError) {
        ctx.err('dinitctl: error loading service (or dependency of service).\n');
        ctx.err("dinitctl: try 'dinit-check <service-name>' or check log for more information.\n");
      }
      return undefined;
  }
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
  const done = stop ? Event.STOPPED : Event.STARTED;
  const cancelled = stop ? Event.STOPCANCELLED : Event.STARTCANCELLED;
  if (ev.event === done) {
    if (ctx.verbose) ctx.out(`Service '${name}' ${stop ? 'stopped' : 'started'}.\n`);
    return 0;
  }
  if (ev.event === cancelled) {
    if (ctx.verbose) ctx.out(`Service '${name}' ${stop ? 'stop' : 'start'} cancelled.\n`);
    return 1;
  }
  if (!stop && ev.event === Event.FAILEDSTART) {
    if (ctx.verbose) {
      ctx.out(`Service '${name}' failed to start.\n`);
      if (ev.status !== undefined) ctx.out(failureDetails(ev.status));
    }
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
    st = fs.statSync(file, { bigint: true });
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

/** start / stop / restart / wake / release of one service, with upstream's text and exit codes. */
export async function startStopService(
  ctx: CommandContext,
  command: 'start' | 'stop' | 'restart' | 'wake' | 'release',
): Promise<number> {
  const { cl } = ctx;
  const name = cl.args[0];
  const stop = command === 'stop' || command === 'release';
  const ignoreUnstarted =
    cl.ignoreUnstarted && (command === 'restart' || command === 'stop' || command === 'release');
  const port = await ctx.connect();
  const loaded = await loadService(ctx, port, name, { writeError: !ignoreUnstarted });
  if (loaded === undefined) return ignoreUnstarted ? 0 : 1;
  const { handle, state } = loaded;
  if (!stop) await warnIfChanged(ctx, port, handle, name);

  const op = command === 'restart' ? 'stop' : command;
  const { reply, seen } = await port.startStop(op, handle, {
    pin: cl.pin,
    force: cl.force,
    restart: command === 'restart',
  });
  switch (reply.kind) {
    case 'alreadyss':
      if (ctx.verbose) {
        if (command === 'restart') ctx.out('Service restarted.\n');
        else {
          const already = state === (stop ? State.STOPPED : State.STARTED);
          ctx.out(`Service ${already ? '(already) ' : ''}${stop ? 'stopped' : 'started'}.\n`);
        }
      }
      return 0;
    case 'pinnedstarted':
      ctx.err(`dinitctl: cannot stop service '${name}' as it is pinned started\n`);
      return 1;
    case 'pinnedstopped':
      ctx.err(`dinitctl: cannot start service '${name}' as it is pinned stopped\n`);
      return 1;
    case 'dependents': {
      if (op !== 'stop') throw new CliError('EPROTO', 'protocol error.');
      ctx.err(`dinitctl: cannot stop service '${name}' due to the following dependents:\n`);
      if (command !== 'restart') {
        ctx.err(
          "(only direct dependents are listed. Exercise caution before using '--force' !!)\n",
        );
      }
      const names: string[] = [];
      for (const h of reply.handles) names.push(await port.serviceName(h));
      ctx.err(' ' + names.map((n) => ' ' + n).join('') + '\n');
      return 1;
    }
    case 'nak':
      if (command === 'restart') {
        if (cl.ignoreUnstarted) {
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
    case 'shuttingdown':
      ctx.err('dinitctl: cannot start/restart/wake service, shutdown is in progress.\n');
      return 1;
    case 'ack':
      break;
  }

  if (cl.noWait) {
    if (ctx.verbose)
      ctx.out(`Issued ${stop ? 'stop' : 'start'} command successfully for service '${name}'.\n`);
    return 0;
  }

  // Events that arrived before the reply already tell part of the story; only wait for the rest.
  const sawStopped = seen.some((e) => e.event === Event.STOPPED);
  if (command === 'restart') {
    if (sawStopped) {
      if (ctx.verbose) ctx.out(`Service '${name}' stopped.\n`);
    } else if ((await waitServiceState(ctx, port, handle, name, true)) !== 0) {
      return 1;
    }
  }
  for (const ev of seen) {
    if (stop) {
      if (ev.event === Event.STOPPED || ev.event === Event.STOPCANCELLED)
        return reportEvent(ctx, ev, name, true);
    } else if (
      ev.event === Event.STARTED ||
      ev.event === Event.FAILEDSTART ||
      ev.event === Event.STARTCANCELLED
    ) {
      return reportEvent(ctx, ev, name, false);
    }
  }
  return waitServiceState(ctx, port, handle, name, stop);
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
  const r = await port.addRemoveDep(add, cl.depType as number, f.handle, t.handle);
  if (r === 'nak') {
    ctx.err(
      add
        ? 'dinitctl: could not add dependency: circular dependency or wrong state\n'
        : 'dinitctl: no such dependency to remove\n',
    );
    return 1;
  }
  if (r !== 'ack') throw new CliError('EPROTO', 'control socket protocol error');
  if (ctx.verbose) ctx.out(`Service '${from}': dependency '${to}' ${add ? 'added' : 'removed'}\n`);
  return 0;
}

/** trigger / untrigger: set or clear the trigger of a triggered service. */
export async function setServiceTrigger(ctx: CommandContext, value: boolean): Promise<number> {
  const name = ctx.cl.args[0];
  const port = await ctx.connect();
  if (port.protocolVersion < 2) throw new ControlError('old-server', 'daemon too old');
  const s = await loadService(ctx, port, name);
  if (s === undefined) return 1;
  if ((await port.setTrigger(s.handle, value)) === 'nak') {
    ctx.err("dinitctl: cannot trigger a service that is not of 'triggered' type.\n");
    return 1;
  }
  return 0;
}
