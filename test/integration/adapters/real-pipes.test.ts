// Services get real pipes, as Dinit gives them: a pipevar readiness fd can be reopened through
// /proc/self/fd (a socketpair cannot), and writes of up to PIPE_BUF bytes from several writers
// sharing a consumer-of logger arrive whole, never interleaved.

import * as fs from 'node:fs';
import { isBuilt, sandboxEach, type Sandbox } from '../../support/daemon';
import { eventually } from '../../support/eventually';

jest.setTimeout(30000);

const RECORD = 4096; // PIPE_BUF on Linux
const RECORDS = 200;

(isBuilt() && process.platform === 'linux' ? describe : describe.skip)('real pipes', () => {
  const sb = sandboxEach('dinit-pipes-');

  it('a pipevar service that writes to /proc/self/fd/$READYFD becomes ready', async () => {
    const script = shScript(sb, 'pv.sh', 'echo ok > /proc/self/fd/$READYFD; exec sleep 30');
    sb.service(
      'pv',
      'type = process',
      `command = ${script}`,
      'ready-notification = pipevar:READYFD',
      'start-timeout = 5',
    );
    sb.service('idle', 'type = internal');
    const d = await sb.start(['idle']);
    expect(d.ctl('start', 'pv').status).toBe(0);
    expect(d.ctl('status', 'pv').stdout).toMatch(/State: STARTED/);
  });

  it('records of PIPE_BUF bytes from four writers reach a shared logger whole', async () => {
    const letters = ['a', 'b', 'c', 'd'];
    const writers = letters.map((c) => {
      fs.writeFileSync(sb.path(`rec-${c}`), (c.repeat(RECORD - 1) + '\n').repeat(RECORDS));
      return `dd if=${sb.path(`rec-${c}`)} bs=${RECORD} 2>/dev/null &`;
    });
    const producer = shScript(sb, 'producer.sh', `${writers.join(' ')} wait; exec sleep 30`);
    sb.service('producer', 'type = process', `command = ${producer}`, 'log-type = pipe');
    const logger = shScript(sb, 'logger.sh', `exec cat > ${sb.path('log')}`);
    sb.service('logger', 'type = process', `command = ${logger}`, 'consumer-of = producer');
    const d = await sb.start(['logger', 'producer']);
    const total = letters.length * RECORDS * RECORD;
    const log = sb.path('log');
    await eventually('every record', () => fs.existsSync(log) && fs.statSync(log).size >= total);
    const data = fs.readFileSync(log);
    expect(data.length).toBe(total);
    const torn: number[] = [];
    for (let off = 0; off < data.length; off += RECORD) {
      const rec = data.subarray(off, off + RECORD).toString();
      if (rec !== rec[0].repeat(RECORD - 1) + '\n') torn.push(off / RECORD);
    }
    expect(torn).toEqual([]);
    expect(d.ctl('is-started', 'logger').status).toBe(0);
  });
});

/** Writes an executable sh script into the sandbox and returns its path. */
function shScript(sb: Sandbox, name: string, body: string): string {
  const file = sb.path(name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
