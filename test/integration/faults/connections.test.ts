// Many control connections: a thousand idle clients, the fd limit reached on accept, a client
// that sends half a packet and never reads. The daemon keeps answering through each.

import * as net from 'node:net';
import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { closeAll, type IdleConn, openMany, openUntilRefused } from './conn-probe';

const d = isBuilt() ? describe : describe.skip;

d('control connections under load', () => {
  const sb = sandboxEach('dinit-conns-');
  let open: IdleConn[] = [];

  afterEach(() => {
    closeAll(open);
    open = [];
  });

  it('serves 1,000 idle connections and still answers dinitctl status', async () => {
    sb.service('svc', 'type = internal');
    const dn = await sb.start(['svc']);
    open = await openMany(dn.socket, 1000);
    const outcomes = await Promise.all(open.map((c) => c.outcome));
    expect(outcomes.filter((o) => o === 'served').length).toBe(1000);
    const r = dn.ctl('status', 'svc');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('State: STARTED');
  });

  it('keeps serving open connections when fds run out, logs once, and accepts again', async () => {
    sb.service('svc', 'type = internal');
    const dn = await sb.start(['-l', sb.path('dinit.log'), 'svc'], {
      prefix: ['prlimit', '--nofile=64:64', '--'],
    });
    const first = await openUntilRefused(dn.socket, 200);
    open = first.served;
    expect(first.refused).toBe(true);
    // A second refusal logs nothing new.
    expect(await openUntilRefused(dn.socket, 1)).toEqual({ served: [], refused: true });
    // An existing connection still gets answers.
    const answered = new Promise((resolve) => open[0].socket.once('data', resolve));
    open[0].socket.write(Buffer.from([0]));
    await answered;
    closeAll(open.splice(0, 8));
    await eventually(
      'dinitctl to be answered again',
      () => dn.ctl('is-started', 'svc').status === 0,
    );
    // The log line may be written just after the answer.
    await eventually('the resumption to be logged', () =>
      sb.read('dinit.log').includes('accepting control connections'),
    );
    expect(sb.read('dinit.log').match(/Out of file descriptors/g)?.length).toBe(1);
  });

  it('drops a client that sends half a packet and never reads, and keeps answering others', async () => {
    sb.service('svc', 'type = internal');
    const dn = await sb.start(['svc']);
    const s = net.createConnection({ path: dn.socket });
    s.pause();
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.on('error', () => undefined);
    // LOADSERVICE (code 1) announcing a 200-byte name, of which 3 bytes arrive.
    s.write(Buffer.from([1, 200, 0, 0x61, 0x62, 0x63]));
    expect(dn.ctl('is-started', 'svc').status).toBe(0);
    expect(dn.ctl('list').stdout).toContain('svc');
    s.destroy();
    await closed;
    expect(dn.ctl('is-started', 'svc').status).toBe(0);
  });
});
