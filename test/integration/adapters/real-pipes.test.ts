// Services get real pipes, as Dinit gives them: a pipevar readiness fd can be reopened through
// /proc/self/fd (a socketpair cannot), and writes of up to PIPE_BUF bytes from several writers
// sharing a consumer-of logger arrive whole, never interleaved.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as harness from './linux-daemon';
import type { Dinit, TestDir } from './linux-daemon';

jest.setTimeout(30000);

const RECORD = 4096; // PIPE_BUF on Linux
const RECORDS = 200;

/** Runs body against a daemon on a fresh test directory, then stops both. */
async function withDaemon(
  setup: (t: TestDir) => void,
  body: (t: TestDir, d: Dinit) => Promise<void>,
): Promise<void> {
  const t = harness.makeTestDir();
  let d: Dinit | undefined;
  try {
    setup(t);
    t.service('idle', 'type = internal');
    d = await harness.startDinit(t, ['idle']);
    await body(t, d);
  } finally {
    await d?.kill();
    t.remove();
  }
}

(harness.isBuilt() && process.platform === 'linux' ? describe : describe.skip)('real pipes', () => {
  it('a pipevar service that writes to /proc/self/fd/$READYFD becomes ready', () =>
    withDaemon(
      (t) => {
        const script = shScript(t, 'pv.sh', 'echo ok > /proc/self/fd/$READYFD; exec sleep 30');
        t.service(
          'pv',
          'type = process',
          `command = ${script}`,
          'ready-notification = pipevar:READYFD',
          'start-timeout = 5',
        );
      },
      async (_t, d) => {
        expect(d.ctl('start', 'pv').status).toBe(0);
        expect(d.ctl('status', 'pv').stdout).toMatch(/State: STARTED/);
      },
    ));

  it('records of PIPE_BUF bytes from four writers reach a shared logger whole', () => {
    const letters = ['a', 'b', 'c', 'd'];
    const total = letters.length * RECORDS * RECORD;
    return withDaemon(
      (t) => {
        const writers = letters.map((c) => {
          fs.writeFileSync(
            path.join(t.dir, `rec-${c}`),
            (c.repeat(RECORD - 1) + '\n').repeat(RECORDS),
          );
          return `dd if=${t.dir}/rec-${c} bs=${RECORD} 2>/dev/null &`;
        });
        const producer = shScript(t, 'producer.sh', `${writers.join(' ')} wait; exec sleep 30`);
        t.service('producer', 'type = process', `command = ${producer}`, 'log-type = pipe');
        const logger = shScript(t, 'logger.sh', `exec cat > ${t.dir}/log`);
        t.service('logger', 'type = process', `command = ${logger}`, 'consumer-of = producer');
      },
      async (t, d) => {
        expect(d.ctl('start', 'logger').status).toBe(0);
        expect(d.ctl('start', 'producer').status).toBe(0);
        const log = path.join(t.dir, 'log');
        await harness.waitFor(
          'every record',
          () => fs.existsSync(log) && fs.statSync(log).size >= total,
        );
        const data = fs.readFileSync(log);
        expect(data.length).toBe(total);
        const torn: number[] = [];
        for (let off = 0; off < data.length; off += RECORD) {
          const rec = data.subarray(off, off + RECORD).toString();
          if (rec !== rec[0].repeat(RECORD - 1) + '\n') torn.push(off / RECORD);
        }
        expect(torn).toEqual([]);
      },
    );
  });
});

/** Writes an executable sh script into the test directory and returns its path. */
function shScript(t: TestDir, name: string, body: string): string {
  const file = path.join(t.dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
