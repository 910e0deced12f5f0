// enable / disable --offline on a temporary service directory: the waits-for.d link is made or
// removed on disk, with upstream's messages for each refusal.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakePort, run, status } from './fake-port';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinitctl-enable-'));
  fs.mkdirSync(path.join(dir, 'boot.d'));
  fs.writeFileSync(path.join(dir, 'boot'), 'type = internal\nwaits-for.d = boot.d\n');
  fs.writeFileSync(path.join(dir, 'a'), 'type = internal\n');
  fs.writeFileSync(path.join(dir, 'via'), 'type = internal\n@meta enable-via other\n');
  fs.writeFileSync(path.join(dir, 'other'), 'type = internal\nwaits-for.d: other.d # comment\n');
  fs.mkdirSync(path.join(dir, 'other.d'));
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const offline = (...args: string[]) => run(['-o', '-d', dir, ...args]);

describe('offline enable/disable', () => {
  it('creates a relative link in the waits-for.d directory of boot', async () => {
    expect(await offline('enable', 'a')).toEqual({
      code: 0,
      out: "Service 'a' has been enabled.\n",
      err: '',
    });
    expect(fs.readlinkSync(path.join(dir, 'boot.d', 'a'))).toBe('../a');
    expect(fs.readdirSync(path.join(dir, 'boot.d'))).toEqual(['a']);
  });

  it('refuses to enable twice and removes the link on disable', async () => {
    await offline('enable', 'a');
    expect(await offline('enable', 'a')).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: service already enabled.\n',
    });
    expect(await offline('disable', 'a')).toEqual({
      code: 0,
      out: "Service 'a' has been disabled.\n",
      err: '',
    });
    expect(fs.existsSync(path.join(dir, 'boot.d', 'a'))).toBe(false);
    const again = await offline('disable', 'a');
    expect(again.code).toBe(1);
    expect(again.err).toBe(
      `dinitctl: could not unlink dependency entry ${dir}/boot.d/a: No such file or directory\n`,
    );
  });

  it('follows @meta enable-via when no --from is given', async () => {
    expect((await offline('enable', 'via')).code).toBe(0);
    expect(fs.readlinkSync(path.join(dir, 'other.d', 'via'))).toBe('../via');
  });

  it('uses --from', async () => {
    expect((await offline('enable', '--from', 'other', 'a')).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'other.d', 'a'))).toBe(true);
  });

  it('names a missing target or from service', async () => {
    expect((await offline('enable', 'nosuch')).err).toBe(
      "dinitctl: could not locate service file for target service 'nosuch'\n",
    );
    expect((await offline('enable', '--from', 'nosuch', 'a')).err).toBe(
      "dinitctl: could not locate service file for service 'nosuch'\n",
    );
  });

  it('refuses a from service without exactly one waits-for.d, or with a fixed dependency', async () => {
    fs.writeFileSync(path.join(dir, 'none'), 'type = internal\n');
    fs.writeFileSync(path.join(dir, 'two'), 'type = internal\nwaits-for.d = x\nwaits-for.d = y\n');
    fs.writeFileSync(path.join(dir, 'fixed'), 'type = internal\ndepends-on = a\nwaits-for.d = x\n');
    expect((await offline('enable', '--from', 'none', 'a')).err).toBe(
      "dinitctl: service 'none' has no waits-for.d directory specified\n",
    );
    expect((await offline('enable', '--from', 'two', 'a')).err).toBe(
      "dinitctl: service 'two' has multiple waits-for.d directories specified in service description\n",
    );
    expect((await offline('enable', '--from', 'fixed', 'a')).err).toBe(
      "dinitctl: there is a fixed dependency to service 'a' in the service description of 'fixed'.\n",
    );
  });

  it('refuses a from service with an argument', async () => {
    expect((await offline('enable', '--from', 'boot@x', 'a')).err).toBe(
      'dinitctl: cannot enable/disable from a service with argument (service@arg).\n',
    );
  });

  it('reports a malformed @meta enable-via', async () => {
    fs.writeFileSync(path.join(dir, 'bad'), 'type = internal\n@meta enable-via\n');
    expect((await offline('enable', 'bad')).err).toBe(
      "dinitctl: error loading bad: '@meta enable-via' argument missing or malformed\n",
    );
  });
});

describe('online enable: protocol 6 and protocol 7 answers', () => {
  // "boot" (handle 2, started) gets a waits-for link to "a" (handle 1).
  const online = (p: FakePort) =>
    p
      .on('daemonEnvironment', () => [])
      .on('loadService', (n) => {
        expect(n).toBe('a');
        return { kind: 'found', handle: 1, state: 'stopped', targetState: 'stopped' };
      })
      .on('serviceDescriptionDir', () => dir)
      .on('loadService', (n) => {
        expect(n).toBe('boot');
        return { kind: 'found', handle: 2, state: 'started', targetState: 'started' };
      })
      .on('serviceDescriptionDir', () => dir);

  it('protocol 6: asks for the status after the bare ACK, then waits for the start', async () => {
    const p = online(new FakePort())
      .on('enableDisable', (en, from, to) => {
        expect([en, from, to]).toEqual([true, 2, 1]);
        return { reply: 'ack' };
      })
      .on('serviceStatus', () => status({ state: 'starting', targetState: 'started' }))
      .event(1, 'started');
    expect(await run(['enable', 'a'], p)).toEqual({
      code: 0,
      out: "Service 'a' has been enabled.\nService 'a' started.\n",
      err: '',
    });
    expect(fs.readlinkSync(path.join(dir, 'boot.d', 'a'))).toBe('../a');
    expect(p.unused()).toEqual([]);
  });

  it('protocol 7: uses the status in the enable answer, with no separate query', async () => {
    const p = online(new FakePort())
      .on('enableDisable', () => ({
        reply: 'ack',
        status: status({ state: 'starting', targetState: 'started' }),
      }))
      .event(1, 'started');
    expect(await run(['enable', 'a'], p)).toEqual({
      code: 0,
      out: "Service 'a' has been enabled.\nService 'a' started.\n",
      err: '',
    });
    expect(p.calls).not.toContain('serviceStatus');
  });

  it('protocol 7: an already started service needs no wait', async () => {
    const p = online(new FakePort()).on('enableDisable', () => ({
      reply: 'ack',
      status: status({ state: 'started', targetState: 'started' }),
    }));
    expect(await run(['enable', 'a'], p)).toEqual({
      code: 0,
      out: "Service 'a' has been enabled.\n",
      err: '',
    });
  });

  it('a NAK (cycle) leaves no link behind', async () => {
    const p = online(new FakePort()).on('enableDisable', () => ({ reply: 'nak' }));
    expect(await run(['enable', 'a'], p)).toEqual({
      code: 1,
      out: '',
      err: 'dinitctl: could not enable service: possible circular dependency\n',
    });
    expect(fs.existsSync(path.join(dir, 'boot.d', 'a'))).toBe(false);
  });
});
