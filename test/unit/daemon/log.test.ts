// The daemon log: upstream's status-line formats, level thresholds, and the bounded buffer that
// drops messages with a visible marker instead of blocking.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BufferedLogStream, DISCARD_MARKER, DaemonLog } from '../../../src/daemon/log';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-log-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function fileFd(name: string): { fd: number; read: () => string } {
  const p = path.join(dir, name);
  const fd = fs.openSync(p, 'a');
  return { fd, read: () => fs.readFileSync(p, 'utf8') };
}

describe('DaemonLog', () => {
  it('writes upstream status lines on the console and messages at or above the console level', async () => {
    const out = fileFd('console');
    const log = new DaemonLog({
      consoleLevel: 'warn',
      mainLevel: 'notice',
      consoleServiceStatus: true,
      consoleFd: out.fd,
    });
    log.serviceStarted('web');
    log.serviceFailed('db', false);
    log.serviceStopped('web');
    log.log('notice', 'not shown');
    log.log('error', 'shown');
    await log.flush(5000);
    expect(out.read()).toBe('[  OK  ] web\n[FAILED] db\n[STOPPD] web\ndinit: shown\n');
  });

  it('with -q shows nothing on the console but still writes the main log file', async () => {
    const out = fileFd('console');
    const log = new DaemonLog({
      consoleLevel: 'none',
      mainLevel: 'notice',
      consoleServiceStatus: false,
      consoleFd: out.fd,
      mainLogPending: true,
    });
    log.serviceStarted('early');
    expect(log.openLogFile(path.join(dir, 'main.log'))).toBeUndefined();
    log.serviceFailed('db', true);
    log.serviceStopped('early');
    await log.flush(5000);
    expect(out.read()).toBe('');
    expect(fs.readFileSync(path.join(dir, 'main.log'), 'utf8')).toBe(
      'dinit: service early started.\ndinit: service db failed to start.\ndinit: service early stopped.\n',
    );
  });

  it('reports a log file it cannot open', async () => {
    const out = fileFd('console');
    const log = new DaemonLog({
      consoleLevel: 'warn',
      mainLevel: 'notice',
      consoleServiceStatus: true,
      consoleFd: out.fd,
    });
    expect(log.openLogFile(path.join(dir, 'missing/dir/log'))).toBe('No such file or directory');
    await log.flush(5000);
    expect(out.read()).toBe('dinit: Opening log file failed: No such file or directory\n');
  });
});

describe('BufferedLogStream', () => {
  it('drops messages beyond its bound and writes one marker for each run of drops', async () => {
    const out = fileFd('s');
    // Not attached yet, so nothing drains while we fill it.
    const s = new BufferedLogStream(undefined, 20, false);
    expect(s.push('0123456789\n')).toBe(true);
    expect(s.push('0123456789\n')).toBe(false);
    expect(s.push('more\n')).toBe(false);
    s.attach(out.fd, false);
    await s.flush(5000);
    expect(s.push('after\n')).toBe(true);
    await s.flush(5000);
    expect(out.read()).toBe(`0123456789\n${DISCARD_MARKER}after\n`);
  });
});

describe('console hand-over', () => {
  it('flushes, then holds messages while muted and writes them when enabled again', async () => {
    const out = fileFd('console');
    const log = new DaemonLog({
      consoleLevel: 'warn',
      mainLevel: 'notice',
      consoleServiceStatus: true,
      consoleFd: out.fd,
    });
    log.serviceStarted('before');
    const released = new Promise<void>((resolve) => log.setConsoleEnabled(false, resolve));
    await released;
    expect(out.read()).toBe('[  OK  ] before\n');
    log.serviceStarted('during');
    await new Promise((r) => setTimeout(r, 50));
    expect(out.read()).toBe('[  OK  ] before\n');
    log.setConsoleEnabled(true);
    await log.flush(5000);
    expect(out.read()).toBe('[  OK  ] before\n[  OK  ] during\n');
  });
});
