// Socket activation through the real daemon: socket-listen with socket-permissions,
// socket-uid and socket-gid; the service gets the listening socket at fd 3 with LISTEN_FDS=1
// and LISTEN_PID set to its own pid, and answers a client on it.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  FIXTURES,
  isBuilt,
  isRoot,
  makeTestDir,
  startDinit,
  type Dinit,
  waitFor,
  type TestDir,
  needsHelper,
} from './adapters/linux-daemon';

jest.setTimeout(30000);

function ask(sock: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const c = net.connect(sock);
    c.on('data', (b) => (got += b.toString()));
    c.on('end', () => resolve(got));
    c.on('error', reject);
  });
}

const itHelper = needsHelper(__filename) ? it : it.skip;

(isBuilt() ? describe : describe.skip)('socket activation (real daemon)', () => {
  let t: TestDir;
  let d: Dinit | undefined;
  beforeEach(() => (t = makeTestDir()));
  afterEach(async () => {
    await d?.kill();
    d = undefined;
    t.remove();
  });

  itHelper('passes the listening socket at fd 3 with LISTEN_FDS and LISTEN_PID', async () => {
    const sock = path.join(t.dir, 'act.sock');
    t.service(
      'act',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'accept.js')}`,
      `socket-listen = ${sock}`,
      'socket-permissions = 0640',
    );
    d = await startDinit(t, ['act']);
    await waitFor('the socket', () => fs.existsSync(sock));
    const st = fs.statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o640);
    const [pid, fds, listenPid] = (await ask(sock)).trim().split(' ');
    expect(fds).toBe('1');
    expect(listenPid).toBe(pid);
    // The daemon holds the socket: a second client is served by the same process.
    expect((await ask(sock)).trim().split(' ')[0]).toBe(pid);
  });

  (isRoot ? itHelper : it.skip)('gives the socket file socket-uid and socket-gid', async () => {
    const sock = path.join(t.dir, 'owned.sock');
    t.service(
      'owned',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'accept.js')}`,
      `socket-listen = ${sock}`,
      'socket-permissions = 0600',
      'socket-uid = nobody',
      'socket-gid = nogroup',
      'run-as = nobody',
    );
    d = await startDinit(t, ['owned']);
    await waitFor('the socket', () => fs.existsSync(sock));
    const st = fs.statSync(sock);
    expect(st.uid).toBe(65534);
    expect(st.gid).toBe(65534);
    expect(st.mode & 0o7777).toBe(0o600);
    const [pid, fds, listenPid] = (await ask(sock)).trim().split(' ');
    expect(fds).toBe('1');
    expect(listenPid).toBe(pid);
  });

  it('fails the start and leaves a regular file found at the socket path alone', async () => {
    const sock = path.join(t.dir, 'file.sock');
    fs.writeFileSync(sock, 'not a socket');
    t.service(
      'blocked',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'accept.js')}`,
      `socket-listen = ${sock}`,
    );
    t.service('idle', 'type = internal');
    d = await startDinit(t, ['idle']);
    expect(d.ctl('start', 'blocked').status).toBe(1);
    expect(fs.readFileSync(sock, 'utf8')).toBe('not a socket');
  });
});
