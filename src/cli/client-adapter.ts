// CtlPort over src/client's ControlClient: passes its typed replies on (status blocks in one
// layout), and keeps service events in per-handle queues so a command can wait for them.

import {
  ControlClient,
  type AckNak,
  type ActionResult,
  type ClientEvent,
  type EnableResult,
  type LoadResult,
  type ServiceEventInfo,
  type SignalResult,
} from '../client/control-client';
import { CLD_EXITED, CLD_KILLED, type DepTypeName } from '../protocol/codes';
import type { StatusFormat, StatusInfo } from '../protocol/status';
import type { CtlPort } from './port';
import type { ManagerSnapshot, ShutdownType } from '../model';
import { ControlError } from '../errors';

/**
 * A status block in the v5 layout whatever the daemon sent. A v1 block (daemons before
 * protocol 5) carries a wait(2) status where v5 has si_code and si_status; it is converted.
 */
export function toV5Layout(s: StatusInfo, format: StatusFormat): StatusInfo {
  if (format !== 1 || s.hasPid || s.stopReason === 'execfailed') return s;
  const sig = s.word1 & 0x7f;
  return sig === 0
    ? { ...s, word1: CLD_EXITED, word2: (s.word1 >> 8) & 0xff }
    : { ...s, word1: CLD_KILLED, word2: sig };
}

/** An event whose status block is in the v5 layout. */
function normalised(ev: ServiceEventInfo): ServiceEventInfo {
  return ev.format === 1 ? { ...ev, status: toV5Layout(ev.status, 1), format: 5 } : ev;
}

/** The answer of a request that upstream's dinitctl treats alike for any reply but ACK and NAK. */
async function ackNakOrOther(request: Promise<AckNak>): Promise<AckNak['kind'] | 'other'> {
  try {
    return (await request).kind;
  } catch (e) {
    // Upstream reports any reply other than ACK/NAK (e.g. BADREQ for a self-dependency) alike.
    if (e instanceof ControlError && (e.kind === 'bad-request' || e.kind === 'protocol'))
      return 'other';
    throw e;
  }
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
    const info = normalised(ev);
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

  loadService(name: string, findOnly: boolean): Promise<LoadResult> {
    return findOnly ? this.client.findService(name) : this.client.loadService(name);
  }

  async startStop(
    op: 'start' | 'stop' | 'wake' | 'release',
    handle: number,
    opts: { pin: boolean; force: boolean; restart: boolean },
  ): Promise<{ reply: ActionResult; seen: ServiceEventInfo[] }> {
    this.queues.delete(handle);
    // Events queued before the PREACK predate the command; only later ones count as seen.
    const o = { pin: opts.pin, force: opts.force, onPreack: () => this.queues.delete(handle) };
    const reply = await this.client[opts.restart ? 'restart' : op](handle, o);
    return { reply, seen: this.pendingEvents(handle) };
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

  unpin(handle: number): Promise<void> {
    return this.client.unpin(handle);
  }

  unload(handle: number): Promise<AckNak> {
    return this.client.unload(handle);
  }

  reload(handle: number): Promise<AckNak> {
    return this.client.reload(handle);
  }

  async listServices(): Promise<Array<{ name: string; status: StatusInfo }>> {
    return (await this.client.list()).map((e) => ({
      name: e.name,
      status: toV5Layout(e.status, e.format),
    }));
  }

  private async rawStatus(handle: number): Promise<{ status: StatusInfo; format: StatusFormat }> {
    const r = await this.client.status(handle);
    if (r.kind !== 'status') throw new ControlError('protocol', 'protocol error: status refused');
    return r;
  }

  async serviceStatus(handle: number): Promise<StatusInfo> {
    const r = await this.rawStatus(handle);
    return toV5Layout(r.status, r.format);
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

  addRemoveDep(
    add: boolean,
    depType: DepTypeName,
    from: number,
    to: number,
  ): Promise<AckNak['kind'] | 'other'> {
    return ackNakOrOther(
      add ? this.client.addDep(from, to, depType) : this.client.rmDep(from, to, depType),
    );
  }

  async enableDisable(
    enable: boolean,
    from: number,
    to: number,
  ): Promise<{ reply: AckNak['kind'] | 'other'; status?: StatusInfo }> {
    let status: StatusInfo | undefined;
    // Events sent before the reply are not reported (upstream skips them while awaiting the
    // ACK). They are dropped when the reply is read, not when the await resumes: by then events
    // that followed the reply in the same read may already be queued, and they count.
    const dropEarlier = () => this.queues.delete(to);
    const request = enable
      ? this.client.enable(from, to, dropEarlier).then((r: EnableResult): AckNak => {
          if (r.kind === 'ack') status = r.status;
          return { kind: r.kind };
        })
      : this.client.rmDep(from, to, 'waits-for', dropEarlier);
    const reply = await ackNakOrOther(request);
    return reply === 'ack' && status !== undefined ? { reply, status } : { reply };
  }

  shutdown(type: ShutdownType): Promise<void> {
    return this.client.shutdown(type);
  }

  waitClosed(): Promise<void> {
    return this.client.waitForClose();
  }

  setenv(assignment: string): Promise<{ kind: 'ack' } | { kind: 'badreq' }> {
    return this.client.setenv(assignment);
  }

  setTrigger(handle: number, value: boolean): Promise<AckNak> {
    return this.client.trigger(handle, value);
  }

  async catLog(handle: number, clear: boolean): Promise<Buffer | null> {
    const r = await this.client.catlog(handle, clear);
    return r.kind === 'log' ? r.data : null;
  }

  signal(handle: number, signo: number): Promise<SignalResult> {
    return this.client.signal(handle, signo);
  }

  extensionVersion(): Promise<number | null> {
    return this.client.extensionHello();
  }

  reexec(): Promise<'refused' | 'failed' | 'closed'> {
    return this.client.reexec();
  }

  snapshot(): Promise<ManagerSnapshot | null> {
    return this.client.snapshot();
  }

  followOutput(
    handle: number,
    onOutput: (data: Buffer, dropped: number) => void,
  ): Promise<Buffer | null> {
    return this.client.follow(handle, onOutput);
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
