// The control server driving the real core (ServiceSet) on the fake OS, with descriptions read
// from temp files by the real config loader: what a client sees for start, stop, dependents,
// events, failures, status and list once the pieces are joined.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ClientEvent, ControlClient } from '../../../src/client';
import { FileDescriptionSource } from '../../../src/config/file-source';
import { ServiceSet } from '../../../src/core/service-set';
import { ControlServer } from '../../../src/daemon/control';
import { EnvStore } from '../../../src/daemon/env-store';
import { FakeHost } from '../../support/fake-host';
import { FakeOs, exited } from '../../support/fake-os';
import { sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { ExecStage } from '../../../src/model';

const sb = sandboxEach('dinit-ctlcore-');
let sd: string;
let sock: string;
let fakeOs: FakeOs;
let set: ServiceSet;
let env: EnvStore;
let server: ControlServer;
let client: ControlClient;
let events: ClientEvent[];

async function handle(name: string): Promise<number> {
  const r = await client.loadService(name);
  if (r.kind !== 'found') throw new Error(`${name}: ${r.kind}`);
  return r.handle;
}

beforeEach(async () => {
  sd = sb.sd;
  sb.service('app', 'type = internal', 'depends-on = db');
  sb.service('db', 'type = process', 'command = /bin/db --serve');
  sb.service('broken', 'type = process', 'command = /bin/broken', 'restart = false');
  sb.service('bad', 'type = wibble');
  sock = sb.path('sock');
  // With exec status reporting, a process counts as started only once exec has succeeded.
  fakeOs = new FakeOs({ execStatus: true });
  env = new EnvStore({ PATH: '/bin' });
  set = new ServiceSet(
    fakeOs,
    new FakeHost(),
    new FileDescriptionSource({ serviceDirs: [sd], getEnv: () => env.toRecord() }),
  );
  server = new ControlServer(set, env, { serviceDirs: [sd], log: () => undefined });
  await server.listen(sock);
  events = [];
  client = await ControlClient.connect(sock, { onEvent: (e) => events.push(e) });
});

afterEach(async () => {
  client.close();
  await server.close();
});

describe('control server on the real core', () => {
  it('loads with dependencies and reports load failures by kind', async () => {
    await handle('app');
    expect((await client.findService('db')).kind).toBe('found');
    expect(await client.loadService('nothere')).toEqual({ kind: 'noservice' });
    expect(await client.loadService('bad')).toEqual({ kind: 'desc-error' });
  });

  it('start: ACK, the process launches, then the started event carries the pid', async () => {
    const db = await handle('db');
    expect(await client.start(db)).toEqual({ kind: 'ack' });
    const proc = fakeOs.running('db');
    expect(proc.spec.argv).toEqual(['/bin/db', '--serve']);
    fakeOs.execOk('db');
    await eventually('the started event', () =>
      events.some((e) => e.kind === 'service' && e.event === 'started'),
    );
    const st = await client.status(db);
    expect(st).toMatchObject({
      kind: 'status',
      status: { state: 'started', hasPid: true, word1: proc.pid, markedActive: true },
    });
    const list = await client.list();
    expect(list.map((e) => [e.name, e.status.state])).toEqual([['db', 'started']]);
  });

  it('stop of a dependency lists its hard dependent; force stops both', async () => {
    const app = await handle('app');
    const db = await handle('db');
    await client.start(app);
    fakeOs.execOk('db');
    await eventually(
      'the started event',
      () => events.filter((e) => e.kind === 'service' && e.event === 'started').length >= 1,
    );
    const r = await client.stop(db);
    expect(r.kind).toBe('dependents');
    if (r.kind === 'dependents')
      expect(await client.serviceName(r.handles[0])).toEqual({ kind: 'name', name: 'app' });
    expect(await client.stop(db, { force: true })).toEqual({ kind: 'ack' });
    fakeOs.exit('db', exited(0));
    await eventually('the stopped event of db', () =>
      events.some((e) => e.kind === 'service' && e.handle === db && e.event === 'stopped'),
    );
    expect(await client.status(app)).toMatchObject({ status: { state: 'stopped' } });
  });

  it('a failed exec sends failedstart; the status carries stage and errno', async () => {
    const b = await handle('broken');
    expect(await client.start(b)).toEqual({ kind: 'ack' });
    fakeOs.execFail('broken', ExecStage.DO_EXEC, 2, 'No such file or directory');
    await eventually('the failedstart event', () =>
      events.some((e) => e.kind === 'service' && e.event === 'failedstart'),
    );
    const ev = events.find((e) => e.kind === 'service' && e.event === 'failedstart') as Extract<
      ClientEvent,
      { kind: 'service' }
    >;
    // (The state inside the event is the core's business; the failure details are ours to carry.)
    expect(ev.status).toMatchObject({ hasPid: false, stopReason: 'execfailed', word1: 2 });
    expect(ev.status.execStage).toBeGreaterThan(0);
  });

  it('a process that exits after starting reports its exit status in status v6', async () => {
    const b = await handle('broken');
    await client.start(b);
    fakeOs.execOk('broken');
    await eventually('the started event', () =>
      events.some((e) => e.kind === 'service' && e.event === 'started'),
    );
    fakeOs.exit('broken', exited(3));
    await eventually('the stopped event', () =>
      events.some((e) => e.kind === 'service' && e.event === 'stopped'),
    );
    expect(await client.status(b)).toMatchObject({
      status: { state: 'stopped', hasPid: false, word1: 1, word2: 3 },
    });
  });

  it('restart of a started process service: PREACK, ACK, then stopped and started events', async () => {
    const db = await handle('db');
    await client.start(db);
    fakeOs.execOk('db');
    await eventually('the started event', () => events.length > 0);
    const seen: string[] = [];
    client.setEventHandler((e) => seen.push(e.kind === 'service' ? e.event : 'env'));
    const r = await client.restart(db, { onPreack: () => seen.push('preack') });
    expect(r.kind).toBe('ack');
    fakeOs.exit('db', exited(0));
    await eventually('the relaunch of db', () => fakeOs.launchesOf('db').length === 2);
    fakeOs.execOk(fakeOs.launchesOf('db')[1]);
    await eventually('the started event after the restart', () => seen.includes('started'));
    expect(seen.slice(0, 1)).toEqual(['preack']);
    expect(seen).toContain('stopped');
  });

  it('status v6 carries the loaded mtime to the nanosecond, and keeps it after the file changes', async () => {
    const file = path.join(sd, 'db');
    fs.utimesSync(file, 1700000000.123457, 1700000000.123457);
    const db = await handle('db');
    const ns = fs.statSync(file, { bigint: true }).mtimeNs;
    const exact = { sec: Number(ns / 1000000000n), nsec: Number(ns % 1000000000n) };
    expect(await client.status(db)).toMatchObject({ status: { mtime: exact } });
    fs.utimesSync(file, 1700000500, 1700000500);
    const after = await client.status(db);
    expect(after.kind === 'status' && after.status.mtime?.sec).toBe(1700000000);
  });

  it('setenv reaches the environment processes are launched with', async () => {
    await client.setenv('FOO=bar');
    const db = await handle('db');
    await client.start(db);
    expect(fakeOs.running('db').spec.env).toMatchObject({ FOO: 'bar', PATH: '/bin' });
  });
});
