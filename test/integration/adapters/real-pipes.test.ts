// Services get real pipes, as Dinit gives them: a pipevar readiness fd can be reopened through
// /proc/self/fd (a socketpair cannot), and writes of up to PIPE_BUF bytes from several writers
// sharing a consumer-of logger arrive whole, never interleaved.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isBuilt,
  makeTestDir,
  startDinit,
  waitFor,
  type Dinit,
  type TestDir,
} from './linux-daemon';

jest.setTimeout(30000);

const RECORD = 4096; // PIPE_BUF on Linux
const RECORDS = 200;

(isBuilt() && process.platform === 'linux' ? describe : describe.skip)('real pipes', () => {
  let t: TestDir;
  let d: Dinit | undefined;
  beforeEach(() => (t = makeTestDir()));
  afterEach(async () => {
    await d?.kill();
    d = undefined;
    t.remove();
  });

  it('a pipevar service that writes to /proc/self/fd/$READYFD becomes ready', async () => {
    const script = shScript(t, 'pv.sh', 'echo ok > /proc/self/fd/$READYFD; exec sleep 30');
    t.service(
      'pv',
      'type = process',
      `command = ${script}`,
      'ready-notification = pipevar:READYFD',
      'start-timeout = 5',
    );
    t.service('idle', 'type = internal');
    d = await startDinit(t, ['idle']);
    expect(d.ctl('start', 'pv').status).toBe(0);
    expect(d.ctl('status', 'pv').stdout).toMatch(/State: STARTED/);
  });

  it('records of PIPE_BUF bytes from four writers reach a shared logger whole', async () => {
    const letters = ['a', 'b', 'c', 'd'];
    for (const c of letters) {
      const rec = c.repeat(RECORD - 1) + '\n';
      fs.writeFileSync(path.join(t.dir, `rec-${c}`), rec.repeat(RECORDS));
    }
    const log = path.join(t.dir, 'log');
    const writers = letters
      .map((c) => `dd if=${t.dir}/rec-${c} bs=${RECORD} 2>/dev/null &`)
      .join(' ');
    t.service(
      'producer',
      'type = process',
      `command = ${shScript(t, 'producer.sh', `${writers} wait; exec sleep 30`)}`,
      'log-type = pipe',
    );
    t.service(
      'logger',
      'type = process',
      `command = ${shScript(t, 'logger.sh', `exec cat > ${log}`)}`,
      'consumer-of = producer',
    );
    d = await startDinit(t, ['logger', 'producer']);
    const total = letters.length * RECORDS * RECORD;
    await waitFor('every record', () => fs.existsSync(log) && fs.statSync(log).size >= total);
    const data = fs.readFileSync(log);
    expect(data.length).toBe(total);
    const torn: number[] = [];
    for (let off = 0; off < data.length; off += RECORD) {
      const rec = data.subarray(off, off + RECORD).toString();
      if (rec !== rec[0].repeat(RECORD - 1) + '\n') torn.push(off / RECORD);
    }
    expect(torn).toEqual([]);
  });
});

/** Writes an executable sh script into the test directory and returns its path. */
function shScript(t: TestDir, name: string, body: string): string {
  const file = path.join(t.dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
