// The journal: with an init beside the manager each event appends only what changed, a new
// manager reads the latest picture back (a torn last line left out), and the file is compacted
// when changes pile up; without an init nothing is written until a re-exec asks for it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NotifyState, ServiceManager, ServiceRef } from '../../../src/core/api';
import type { ProcessIdentity } from '../../../src/core/os';
import { Journal, readJournal } from '../../../src/daemon/journal';

interface FakeService extends ServiceRef {
  state: string;
  pid: number;
  markedActive: boolean;
  outputFd?: number;
  notify?: NotifyState;
}

function fakeManager(services: FakeService[]): ServiceManager {
  return {
    list: () => services,
    status: (ref: FakeService) => ({
      name: ref.name,
      state: ref.state,
      pid: ref.pid,
      markedActive: ref.markedActive,
      pinnedStarted: false,
      pinnedStopped: false,
    }),
    notifyState: (ref: FakeService) => ref.notify,
  } as unknown as ServiceManager;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('journal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
    file = path.join(dir, 'socket.journal');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function setup(
    continuous: boolean,
    services: FakeService[],
    processIdentity = (pid: number): ProcessIdentity => ({ startTime: `t${pid}` }),
  ) {
    const held: string[] = [];
    const state = { bootFailed: false, shutdown: 'none' as const };
    const journal = new Journal(
      file,
      fakeManager(services),
      { processIdentity },
      (m) => {
        throw new Error(m);
      },
      () => state,
      {
        hold: (fd, ino) => held.push(`+${fd}:${ino}`),
        drop: (fd, ino) => held.push(`-${fd}:${ino}`),
      },
      [],
      continuous,
    );
    return { journal, held, state };
  }

  const svc = (name: string, state = 'started', pid = -1): FakeService => ({
    name,
    state,
    pid,
    markedActive: true,
  });

  it('appends one line per changed service and reads back the latest picture', async () => {
    const a = svc('a', 'started', 100);
    const b = svc('b', 'started', 200);
    const { journal } = setup(true, [a, b]);
    journal.schedule();
    await tick();
    const first = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(first).toHaveLength(3); // header, a, b

    a.pid = 101;
    journal.schedule(a);
    journal.schedule(a);
    await tick();
    b.state = 'stopped';
    b.markedActive = false;
    b.pid = -1;
    journal.schedule(b);
    journal.schedule(a); // unchanged since the last write: nothing appended
    await tick();
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.slice(3)).toEqual([
      JSON.stringify({
        svc: {
          name: 'a',
          state: 'started',
          markedActive: true,
          pinnedStarted: false,
          pinnedStopped: false,
          pid: 101,
          startTime: 't101',
        },
      }),
      JSON.stringify({ gone: 'b' }),
    ]);
    const back = readJournal(file);
    expect(back?.services.map((e) => [e.name, e.pid, e.startTime])).toEqual([['a', 101, 't101']]);
  });

  it("keeps a running process's sd_notify socket, STATUS= text and watchdog timeout", async () => {
    const a = svc('a', 'started', 100);
    a.notify = { socket: '/run/dinit-notify.x/0a1b2c3d4e5f', status: 'serving', watchdogMs: 2000 };
    const { journal } = setup(true, [a]);
    journal.schedule();
    await tick();
    expect(readJournal(file)?.services[0].notify).toEqual(a.notify);
    // The text changes with no event of the service: the next write of its entry takes it.
    a.notify = { ...a.notify, status: 'draining' };
    journal.write();
    expect(readJournal(file)?.services[0].notify?.status).toBe('draining');
    // A process that is gone has no socket to take back.
    a.pid = -1;
    a.state = 'stopping';
    journal.schedule(a);
    await tick();
    expect(readJournal(file)?.services[0].notify).toBeUndefined();
  });

  it('records a change of the daemon state and leaves out a torn last line', async () => {
    const a = svc('a', 'started', 100);
    const { journal, state } = setup(true, [a]);
    journal.schedule();
    await tick();
    state.bootFailed = true;
    journal.schedule();
    await tick();
    fs.appendFileSync(file, '{"svc":{"name":"a","sta');
    const back = readJournal(file);
    expect(back?.bootFailed).toBe(true);
    expect(back?.services.map((e) => e.pid)).toEqual([100]);
  });

  it('compacts the file when the changes outgrow the entries', async () => {
    const a = svc('a', 'started', 1);
    const { journal } = setup(true, [a]);
    for (let i = 2; i < 1200; i++) {
      a.pid = i;
      journal.schedule(a);
      await tick();
    }
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeLessThan(1100);
    expect(readJournal(file)?.services.map((e) => e.pid)).toEqual([1199]);
  });

  it('without an init writes nothing until asked, then the whole picture', async () => {
    const a = svc('a', 'started', 100);
    const { journal } = setup(false, [a]);
    journal.schedule(a);
    await tick();
    expect(fs.existsSync(file)).toBe(false);
    journal.write();
    expect(readJournal(file)?.services.map((e) => e.name)).toEqual(['a']);
  });

  it('still reads a journal written whole as one JSON object', () => {
    const old = {
      version: 1,
      bootFailed: false,
      shutdown: 'none',
      services: [{ name: 'x', state: 'started', pid: 5 }],
    };
    fs.writeFileSync(file, JSON.stringify(old));
    expect(readJournal(file)?.services.map((e) => e.name)).toEqual(['x']);
  });

  it('asks the init to hold a pipe while a journaled service reads it, and to drop it after', async () => {
    const a = svc('a', 'started', 100);
    const pipeOf = (pid: number) => ({ startTime: `t${pid}`, outputFd: 9, outputIno: 77 });
    const { journal, held } = setup(true, [a], pipeOf);
    journal.schedule(a);
    await tick();
    expect(held).toEqual(['+9:77']);
    a.state = 'stopped';
    a.markedActive = false;
    journal.schedule(a);
    await tick();
    expect(held).toEqual(['+9:77', '-9:77']);
  });
});
