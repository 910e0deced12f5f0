// Service output through the real daemon: log-type = file (permissions, owner, a planted symlink
// not followed), buffer (log-buffer-size, catlog and catlog --clear), pipe to a consumer-of
// logger that can restart without losing a line, and none.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FIXTURES,
  isBuilt,
  PROBE,
  probeResult,
  sandboxEach,
  type Dinit,
} from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { isRoot } from '../../support/processes';

jest.setTimeout(60000);

(isBuilt() ? describe : describe.skip)('service logging (real daemon)', () => {
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;

  it('log-type = file: appends to the logfile with logfile-permissions', async () => {
    const out = sb.outDir('out');
    const log = path.join(sb.dir, 'svc.log');
    fs.writeFileSync(log, 'earlier\n');
    sb.service(
      'filelog',
      'type = process',
      `command = ${path.join(FIXTURES, 'chatty.sh')} 20 ${path.join(out, 'done')}`,
      `logfile = ${log}`,
      'logfile-permissions = 0640',
    );
    d = await sb.start(['filelog']);
    await eventually('the output', () => fs.existsSync(path.join(out, 'done')));
    expect(fs.readFileSync(log, 'utf8')).toBe('earlier\nxxxxxxxxx\nxxxxxxxxx\n');
    expect(fs.statSync(log).mode & 0o7777).toBe(0o640);
  });

  (isRoot ? it : it.skip)(
    'log-type = file: gives the logfile logfile-uid and logfile-gid',
    async () => {
      const out = sb.outDir('out');
      const log = path.join(sb.dir, 'owned.log');
      sb.service(
        'owned',
        'type = process',
        `command = ${PROBE} ${out} hold`,
        'log-type = file',
        `logfile = ${log}`,
        'logfile-uid = nobody',
        'logfile-gid = nogroup',
      );
      d = await sb.start(['owned']);
      expect((await probeResult(out))('fd1').trim()).toBe(log);
      const st = fs.statSync(log);
      expect([st.uid, st.gid]).toEqual([65534, 65534]);
      expect(st.mode & 0o7777).toBe(0o600);
    },
  );

  it('log-type = file: does not follow a symlink planted at the logfile path', async () => {
    const out = sb.outDir('out');
    const target = path.join(sb.dir, 'precious');
    fs.writeFileSync(target, 'keep me\n');
    const log = path.join(sb.dir, 'link.log');
    fs.symlinkSync(target, log);
    sb.service('planted', 'type = process', `command = ${PROBE} ${out} hold`, `logfile = ${log}`);
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    const r = d.ctl('start', 'planted');
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /Stage: opening log file\n\s*Error: Too many levels of symbolic links/,
    );
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(fs.existsSync(path.join(out, 'done'))).toBe(false);
  });

  it('log-type = buffer: keeps log-buffer-size bytes for catlog; catlog --clear empties it', async () => {
    const out = sb.outDir('out');
    sb.service(
      'buffered',
      'type = process',
      `command = ${path.join(FIXTURES, 'chatty.sh')} 300 ${path.join(out, 'done')}`,
      'log-type = buffer',
      'log-buffer-size = 100',
    );
    d = await sb.start(['buffered']);
    await eventually('the output', () => fs.existsSync(path.join(out, 'done')));
    // The daemon reads the pipe asynchronously: wait until the buffer is full.
    await eventually('a full buffer', () => d.ctl('catlog', 'buffered').stdout.length >= 100);
    const first = d.ctl('catlog', 'buffered');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('xxxxxxxxx\n'.repeat(10));
    expect(d.ctl('catlog', '--clear', 'buffered').stdout).toBe('xxxxxxxxx\n'.repeat(10));
    expect(d.ctl('catlog', 'buffered').stdout).toBe('');
  });

  it('log-type = none: the service stdout is /dev/null', async () => {
    const out = sb.outDir('out');
    sb.service('quiet', 'type = process', `command = ${PROBE} ${out} hold`, 'log-type = none');
    d = await sb.start(['quiet']);
    expect((await probeResult(out))('fd1').trim()).toBe('/dev/null');
  });

  it('log-type = pipe: a consumer-of logger restarted twice while the producer writes loses no line', async () => {
    const N = 3000;
    const logOut = path.join(sb.dir, 'logger.out');
    sb.service(
      'producer',
      'type = process',
      `command = ${path.join(FIXTURES, 'numbered.sh')} ${N}`,
      'log-type = pipe',
    );
    sb.service(
      'logger',
      'type = process',
      `command = ${process.execPath} ${path.join(FIXTURES, 'logger.js')} ${logOut}`,
      'consumer-of = producer',
    );
    d = await sb.start(['producer', 'logger']);
    const count = () =>
      fs.existsSync(logOut) ? fs.readFileSync(logOut, 'utf8').split('\n').length : 0;
    await eventually('some lines', () => count() > 200);
    expect(d.ctl('restart', 'logger').status).toBe(0);
    await eventually('more lines', () => count() > 1200);
    expect(d.ctl('restart', 'logger').status).toBe(0);
    await eventually('the end', () => fs.readFileSync(logOut, 'utf8').endsWith('end\n'), {
      timeoutMs: 30000,
    });
    const lines = fs.readFileSync(logOut, 'utf8').split('\n');
    const expected = Array.from({ length: N }, (_, i) => `line ${i + 1}`);
    expect(lines).toEqual([...expected, 'end', '']);
  });
});
