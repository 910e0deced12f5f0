// CtlPort over src/client's ControlClient: maps its typed replies to what the dinitctl
// commands ask, and keeps service events in per-handle queues so a command can wait for them.

import { ControlClient, type ClientEvent, type EnableResult } from '../client/control-client';
import type { StatusInfo } from '../protocol/status';
import { CLD_EXITED, CLD_KILLED } from './port';
import type {
  AckNak,
  CtlPort,
  LoadReply,
  ServiceEventInfo,
  ServiceStatus,
  StartStopReply,
} from './port';
import { EVENT_NAMES, STATE_NAMES, STOP_REASON_NAMES } from '../model';
import { ControlError } from '../errors';

/**
 * Convert the client's status block to the port's. A v1 block (daemons before protocol 5)
 * carries a wait(2) status instead of si_code/si_status; it is converted to the latter.
 */
export function toStatus(s: StatusInfo, format: number = 5): ServiceStatus {
  let siCode = s.hasPid ? 0 : s.word1;
  let siStatus = s.hasPid ? 0 : s.word2;
  if (format === 1 && !s.hasPid && STOP_REASON_NAMES.indexOf(s.stopReason) !== 4) {
    const w = s.word1;
    const sig = w & 0x7f;
    siCode = sig === 0 ? CLD_EXITED : CLD_KILLED;
    siStatus = sig === 0 ? (w >> 8) & 0xff : sig;
  }
  return {
    state: STATE_NAMES.indexOf(s.state),
    target: STATE_NAMES.indexOf(s.targetState),
    hasConsole: s.hasConsole,
    waitingConsole: s.waitingForConsole,
    skipped: s.startSkipped,
    markedActive: s.markedActive,
    hasPid: s.hasPid,
    stopReason: STOP_REASON_NAMES.indexOf(s.stopReason),
    execStage: s.execStage,
    pid: s.hasPid ? s.word1 : 0,
    exitSiCode: siCode,
    exitSiStatus: siStatus,
  };
}

class ClientPort implements CtlPort {
  private readonly queues = new Map<number, ServiceEventInfo[]>();
  private readonly waiters = new Map<number, (ev: ServiceEventInfo | null) => void>();
  private closed = false;
  client!: ControlClient;

  get protocolVersion(): number {
    return this.client.protocolVersion;
  }

  onEvent(ev: ClientEvent): void {
    if (ev.kind !== 'service') return;
    const info: ServiceEventInfo = {
      handle: ev.handle,
      event: EVENT_NAMES.indexOf(ev.event),
      status: toStatus(ev.status, ev.format),
    };
    const w = this.waiters.get(ev.handle);
    if (w !== undefined) {
      this.waiters.delete(ev.handle);
      w(info);
      return;
    }
    let q = this.queues.get(ev.handle);
    if (q === undefined) this.queues.set(ev.handle, (q = []));
    q.push(info);
  }

  onClosed(): void {
    this.closed = true;
    for (const w of this.waiters.values()) w(null);
    this.waiters.clear();
  }

  async loadService(name: string, findOnly: boolean): Promise<LoadReply> {
    const r = findOnly ? await this.client.findService(name) : await this.client.loadService(name);
    switch (r.kind) {
      case 'found':
        return { kind: 'record', handle: r.handle, state: STATE_NAMES.indexOf(r.state) };
      case 'noservice':
        return { kind: 'noservice' };
      case 'desc-error':
        return { kind: 'desc-err' };
      case 'load-error':
        return { kind: 'load-err' };
    }
  }

  async startStop(
    op: 'start' | 'stop' | 'wake' | 'release',
    handle: number,
    opts: { pin: boolean; force: boolean; restart: boolean },
  ): Promise<{ reply: StartStopReply; seen: ServiceEventInfo[] }> {
    this.queues.delete(handle);
    // Events queued before the PREACK predate the command; only later ones count as seen.
    const o = { pin: opts.pin, force: opts.force, onPreack: () => this.queues.delete(handle) };
    let r;
    if (opts.restart) r = await this.client.restart(handle, o);
    else if (op === 'start') r = await this.client.start(handle, o);
    else if (op === 'stop') r = await this.client.stop(handle, o);
    else if (op === 'wake') r = await this.client.wake(handle, o);
    else r = await this.client.release(handle, o);
    const seen = this.pendingEvents(handle);
    let reply: StartStopReply;
    switch (r.kind) {
      case 'already':
        reply = { kind: 'alreadyss' };
        break;
      case 'pinned-started':
        reply = { kind: 'pinnedstarted' };
        break;
      case 'pinned-stopped':
        reply = { kind: 'pinnedstopped' };
        break;
      case 'shutting-down':
        reply = { kind: 'shuttingdown' };
        break;
      default:
        reply = r;
    }
    return { reply, seen };
  }

  nextEvent(handle: number): Promise<ServiceEventInfo | null> {
    const q = this.queues.get(handle);
    if (q !== undefined && q.length > 0) return Promise.resolve(q.shift() as ServiceEventInfo);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.set(handle, resolve));
  }

  pendingEvents(handle: number): ServiceEventInfo[] {
    const q = this.queues.get(handle) ?? [];
    this.queues.delete(handle);
    return q;
  }

  async unpin(handle: number): Promise<AckNak> {
    await this.client.unpin(handle);
    return 'ack';
  }

  async unload(handle: number): Promise<AckNak> {
    return (await this.client.unload(handle)).kind;
  }

  async reload(handle: number): Promise<AckNak> {
    return (await this.client.reload(handle)).kind;
  }

  async listServices(): Promise<Array<{ name: string; status: ServiceStatus }>> {
    return (await this.client.list()).map((e) => ({
      name: e.name,
      status: toStatus(e.status, e.format),
    }));
  }

  private async rawStatus(handle: number): Promise<{ status: StatusInfo; format: number }> {
    const r = await this.client.status(handle);
    if (r.kind !== 'status') throw new ControlError('protocol', 'protocol error: status refused');
    return r;
  }

  async serviceStatus(handle: number): Promise<ServiceStatus> {
    const r = await this.rawStatus(handle);
    return toStatus(r.status, r.format);
  }

  async serviceDescriptionMtime(handle: number): Promise<{ sec: number; nsec: number } | null> {
    if (this.client.protocolVersion < 6) return null;
    return (await this.rawStatus(handle)).status.mtime ?? null;
  }

  async serviceName(handle: number): Promise<string> {
    const r = await this.client.serviceName(handle);
    if (r.kind !== 'name') throw new ControlError('protocol', 'protocol error: no service name');
    return r.name;
  }

  async serviceDescriptionDir(handle: number): Promise<string> {
    const r = await this.client.queryServiceDscDir(handle);
    if (r.kind !== 'dir' || r.dir === '')
      throw new ControlError('protocol', 'protocol error: no description directory');
    if (r.dir.startsWith('/')) return r.dir;
    // A relative directory is relative to the daemon's working directory.
    const mech = await this.client.queryLoadMech();
    const cwd = mech.kind === 'loader' ? mech.cwd : '';
    return cwd === '' ? r.dir : cwd.endsWith('/') ? cwd + r.dir : `${cwd}/${r.dir}`;
  }

  async serviceDirs(): Promise<string[]> {
    const mech = await this.client.queryLoadMech();
    return mech.kind === 'loader' ? mech.dirs : [];
  }

  daemonEnvironment(): Promise<string[]> {
    return this.client.getAllEnv();
  }

  async addRemoveDep(
    add: boolean,
    depType: number,
    from: number,
    to: number,
  ): Promise<AckNak | 'other'> {
    const t = depType === 3 ? 'milestone' : depType === 2 ? 'waits-for' : 'regular';
    try {
      return (add ? await this.client.addDep(from, to, t) : await this.client.rmDep(from, to, t))
        .kind;
    } catch (e) {
      // Upstream reports any reply other than ACK/NAK (e.g. BADREQ for a self-dependency) alike.
      if (e instanceof ControlError && (e.kind === 'bad-request' || e.kind === 'protocol'))
        return 'other';
      throw e;
    }
  }

  async enableDisable(
    enable: boolean,
    from: number,
    to: number,
  ): Promise<{ reply: AckNak | 'other'; status?: ServiceStatus }> {
    let r: EnableResult;
    // Events sent before the reply are not reported (upstream skips them while awaiting the
    // ACK). They are dropped when the reply is read, not when the await resumes: by then events
    // that followed the reply in the same read may already be queued, and they count.
    const dropEarlier = () => this.queues.delete(to);
    try {
      r = enable
        ? await this.client.enable(from, to, dropEarlier)
        : await this.client.rmDep(from, to, 'waits-for', dropEarlier);
    } catch (e) {
      if (e instanceof ControlError && (e.kind === 'bad-request' || e.kind === 'protocol'))
        return { reply: 'other' };
      throw e;
    }
    if (r.kind === 'ack' && r.status !== undefined) {
      return { reply: 'ack', status: toStatus(r.status, 6) };
    }
    return { reply: r.kind };
  }

  async shutdown(kind: number): Promise<AckNak> {
    const names = ['none', 'remain', 'halt', 'poweroff', 'reboot', 'softreboot', 'kexec'] as const;
    await this.client.shutdown(names[kind] ?? 'halt');
    return 'ack';
  }

  waitClosed(): Promise<void> {
    return this.client.waitForClose();
  }

  async setenv(assignment: string): Promise<'ack' | 'badreq'> {
    return (await this.client.setenv(assignment)).kind;
  }

  async setTrigger(handle: number, value: boolean): Promise<AckNak> {
    return (await this.client.trigger(handle, value)).kind;
  }

  async catLog(handle: number, clear: boolean): Promise<Buffer | null> {
    const r = await this.client.catlog(handle, clear);
    return r.kind === 'log' ? r.data : null;
  }

  async signal(handle: number, signo: number): Promise<'ack' | 'nopid' | 'badsig' | 'killerr'> {
    const r = await this.client.signal(handle, signo);
    switch (r.kind) {
      case 'ack':
        return 'ack';
      case 'no-pid':
        return 'nopid';
      case 'bad-signal':
        return 'badsig';
      case 'kill-error':
        return 'killerr';
    }
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Connect to the daemon (socket path or passed descriptor) and return a CtlPort. Throws
 * ControlError (kind 'connect' when the socket cannot be reached).
 */
export async function openPort(target: { path: string } | { fd: number }): Promise<CtlPort> {
  const port = new ClientPort();
  const opts = { onEvent: (ev: ClientEvent) => port.onEvent(ev) };
  port.client =
    'path' in target
      ? await ControlClient.connect(target.path, opts)
      : await ControlClient.fromFd(target.fd, opts);
  void port.client.waitForClose().then(() => port.onClosed());
  return port;
}
