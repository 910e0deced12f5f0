// Socket activation through the real daemon: socket-listen with socket-permissions,
// socket-uid and socket-gid; the service gets the listening socket at fd 3 with LISTEN_FDS=1
// and LISTEN_PID set to its own pid, and answers a client on it.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { FIXTURES, isBuilt, sandboxEach, type Dinit, needsHelper } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { isRoot } from '../../support/processes';

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
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;

  itHelper('passes the listening socket at fd 3 with LISTEN_FDS and LISTEN_PID', async () => {
    const sock = path.join(sb.dir, 'act.sock');
    sb.service(
      'act',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'accept.js')}`,
      `socket-listen = ${sock}`,
      'socket-permissions = 0640',
    );
    d = await sb.start(['act']);
    // The daemon binds, then sets the mode (as upstream does): wait for the final mode.
    await eventually(
      'the socket with its mode',
      () => fs.existsSync(sock) && (fs.statSync(sock).mode & 0o7777) === 0o640,
    );
    expect(fs.statSync(sock).isSocket()).toBe(true);
    const [pid, fds, listenPid] = (await ask(sock)).trim().split(' ');
    expect(fds).toBe('1');
    expect(listenPid).toBe(pid);
    // The daemon holds the socket: a second client is served by the same process.
    expect((await ask(sock)).trim().split(' ')[0]).toBe(pid);
  });

  (isRoot ? itHelper : it.skip)('gives the socket file socket-uid and socket-gid', async () => {
    const sock = path.join(sb.dir, 'owned.sock');
    sb.service(
      'owned',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'accept.js')}`,
      `socket-listen = ${sock}`,
      'socket-permissions = 0600',
      'socket-uid = nobody',
      'socket-gid = nogroup',
      'run-as = nobody',
    );
    d = await sb.start(['owned']);
    // Owner and mode are set after bind: wait for the last of them, the mode.
    await eventually(
      'the socket with its mode',
      () => fs.existsSync(sock) && (fs.statSync(sock).mode & 0o7777) === 0o600,
    );
    const st = fs.statSync(sock);
    expect(st.uid).toBe(65534);
    expect(st.gid).toBe(65534);
    expect(st.mode & 0o7777).toBe(0o600);
    const [pid, fds, listenPid] = (await ask(sock)).trim().split(' ');
    expect(fds).toBe('1');
    expect(listenPid).toBe(pid);
  });

  it('fails the start and leaves a regular file found at the socket path alone', async () => {
    const sock = path.join(sb.dir, 'file.sock');
    fs.writeFileSync(sock, 'not a socket');
    sb.service(
      'blocked',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'accept.js')}`,
      `socket-listen = ${sock}`,
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    expect(d.ctl('start', 'blocked').status).toBe(1);
    expect(fs.readFileSync(sock, 'utf8')).toBe('not a socket');
  });
});
