// The daemon log: upstream's status-line formats, level thresholds, the bounded buffer that
// drops messages with a visible marker instead of blocking, and the syslog main log over a real
// datagram socket pair.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BufferedLogStream, DISCARD_MARKER, DaemonLog } from '../../../src/daemon/log';
import { eventually } from '../../support/eventually';
import { dgramPair } from '../../support/unix-dgram';

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

describe('syslog main log', () => {
  const syslogLog = (bytes?: number): { log: DaemonLog; console: { read: () => string } } => {
    const out = fileFd('console');
    const log = new DaemonLog({
      consoleLevel: 'warn',
      mainLevel: 'notice',
      consoleServiceStatus: true,
      consoleFd: out.fd,
      syslog: true,
      bufferBytes: bytes,
    });
    return { log, console: out };
  };

  it('holds messages until connected, then sends each as one "<pri>dinit: ..." datagram', async () => {
    const { log, console } = syslogLog();
    log.log('notice', 'Starting system', false);
    log.serviceStarted('syslogd');
    log.log('warn', 'a warning');
    log.log('error', 'an error');
    log.log('debug', 'below the main level');
    const pair = dgramPair();
    try {
      expect(log.connectSyslog(() => pair.sender)).toBe(true);
      log.serviceFailed('db', false);
      log.serviceStopped('web');
      await log.flush(5000);
      // LOG_DAEMON (24) plus the severity: notice 5, warning 4, err 3.
      expect(pair.receive()).toEqual([
        '<29>dinit: Starting system\n',
        '<29>dinit: service syslogd started.\n',
        '<28>dinit: a warning\n',
        '<27>dinit: an error\n',
        '<27>dinit: service db failed to start.\n',
        '<29>dinit: service web stopped.\n',
      ]);
      // The console has no priority prefixes.
      expect(console.read()).toBe(
        '[  OK  ] syslogd\ndinit: a warning\ndinit: an error\n[FAILED] db\n[STOPPD] web\n',
      );
    } finally {
      pair.close();
      log.main?.close();
    }
  });

  it('keeps messages and tries again when the log daemon is not there yet', async () => {
    const { log } = syslogLog();
    log.log('error', 'held');
    expect(log.connectSyslog(() => -111 /* ECONNREFUSED */)).toBe(false);
    expect(log.mainAttached).toBe(false);
    const pair = dgramPair();
    try {
      expect(log.connectSyslog(() => pair.sender)).toBe(true);
      // Connected already: a later starts-log service does not connect again.
      expect(log.connectSyslog(() => -1)).toBe(true);
      await log.flush(5000);
      expect(pair.receive()).toEqual(['<27>dinit: held\n']);
    } finally {
      pair.close();
      log.main?.close();
    }
  });

  it('drops what exceeds the bound while held, and says so in its own datagram', async () => {
    const { log } = syslogLog(64);
    log.log('error', 'first message, kept');
    log.log('error', 'second message, which no longer fits');
    log.log('error', 'third, dropped too');
    const pair = dgramPair();
    try {
      log.connectSyslog(() => pair.sender);
      await log.flush(5000);
      log.log('error', 'after');
      await log.flush(5000);
      expect(pair.receive()).toEqual([
        '<27>dinit: first message, kept\n',
        DISCARD_MARKER,
        '<27>dinit: after\n',
      ]);
    } finally {
      pair.close();
      log.main?.close();
    }
  });

  it('holds messages again when the log daemon goes away, and sends them on reconnection', async () => {
    const { log } = syslogLog();
    const first = dgramPair();
    const second = dgramPair();
    try {
      log.connectSyslog(() => first.sender);
      log.log('error', 'one');
      await log.flush(5000);
      expect(first.receive()).toEqual(['<27>dinit: one\n']);
      first.close(); // the receiving end goes away: the next send fails
      log.log('error', 'two');
      await eventually('the socket to be dropped', () => !log.mainAttached);
      log.log('error', 'three');
      expect(log.connectSyslog(() => second.sender)).toBe(true);
      await log.flush(5000);
      expect(second.receive()).toEqual(['<27>dinit: two\n', '<27>dinit: three\n']);
    } finally {
      second.close();
      log.main?.close();
    }
  });
});
