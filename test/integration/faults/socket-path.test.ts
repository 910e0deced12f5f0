// The control socket path as an operator meets it: too long for bind(2), in a missing
// directory, already taken by a file or by a live daemon. Real daemon, real socket.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { DINIT, isBuilt, sandboxEach } from '../../support/daemon';

const d = isBuilt() ? describe : describe.skip;

d('control socket path', () => {
  const sb = sandboxEach('dinit-sockpath-');

  /** Runs dinit -u with the given socket path to completion (it has nothing to start). */
  function runDinit(socket: string): { status: number | null; out: string } {
    sb.service('boot', 'type = internal');
    const r = spawnSync(DINIT, ['-u', '-d', sb.sd, '-p', socket], {
      cwd: sb.dir,
      env: sb.env(),
      encoding: 'utf8',
      timeout: 20000,
    });
    // Like upstream, dinit reports these on stdout (its log goes to the console).
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('exits 1 with "Invalid argument" for a path of 108 bytes or more', () => {
    const socket = sb.path('s'.repeat(Math.max(1, 108 - sb.dir.length - 1)));
    expect(Buffer.byteLength(socket)).toBeGreaterThanOrEqual(108);
    const r = runDinit(socket);
    expect(r.out).toBe('dinit: Error binding control socket: Invalid argument\n');
    expect(r.status).toBe(1);
    expect(fs.readdirSync(sb.dir).filter((f) => f.startsWith('ss'))).toEqual([]);
  });

  it('reports a missing socket directory as "No such file or directory"', () => {
    const r = runDinit(sb.path('missing', 'socket'));
    expect(r.out).toBe('dinit: Error binding control socket: No such file or directory\n');
    expect(r.status).toBe(1);
  });

  it('takes over a path held by a plain file and answers there', async () => {
    fs.writeFileSync(sb.path('socket'), 'stale');
    sb.service('svc', 'type = internal');
    const dn = await sb.start(['svc']);
    expect(dn.ctl('is-started', 'svc').status).toBe(0);
  });

  it('refuses a path where a live daemon answers, which keeps answering', async () => {
    sb.service('svc', 'type = internal');
    const first = await sb.start(['svc']);
    const r = runDinit(first.socket);
    expect(r.out).toContain('Control socket is already active');
    expect(first.ctl('is-started', 'svc').status).toBe(0);
  });
});
