// Login accounting through glibc's utmpx calls on temp files, read back with utmpdump(1) so the
// records are checked by an independent reader of the format: a service's INIT_PROCESS entry,
// its DEAD_PROCESS entry keeping the pid, and the boot record in wtmp and a fresh utmp.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadLibc } from '../../../adapters/posix/ffi';
import { bindUtmpx, type Utmpx } from '../../../adapters/linux/utmpx';

const haveDump = spawnSync('utmpdump', ['--version']).status === 0;
const libc = process.platform === 'linux' ? loadLibc(['libc.so.6', '']) : undefined;
const runnable =
  haveDump && libc !== undefined && (process.arch === 'x64' || process.arch === 'arm64');
const describeUtmp = runnable ? describe : describe.skip;

/** utmpdump's fields of each record: [type, pid, id, user, line, host, addr, time]. */
function dump(file: string): string[][] {
  const r = spawnSync('utmpdump', [file], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('['))
    .map((l) => [...l.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1].trim()))
    .map((f) => [f[0], String(Number(f[1])), ...f.slice(2)]); // the pid comes zero-padded
}

describeUtmp('utmpx records', () => {
  let dir: string;
  let utmp: string;
  let wtmp: string;
  let u: Utmpx;
  const t0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-utmp-'));
    utmp = path.join(dir, 'utmp');
    wtmp = path.join(dir, 'wtmp');
    fs.writeFileSync(utmp, '');
    fs.writeFileSync(wtmp, '');
    u = bindUtmpx(libc!, process.arch, () => t0, { utmp, wtmp }) as Utmpx;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records a process under its id and line, then marks it dead keeping its pid', () => {
    expect(u.processStarted('tty1', 'tty1', 4242)).toBe(true);
    expect(u.processStarted('s2', 'pts/7', 4343)).toBe(true);
    expect(dump(utmp).map((f) => f.slice(0, 5))).toEqual([
      ['5', '4242', 'tty1', '', 'tty1'],
      ['5', '4343', 's2', '', 'pts/7'],
    ]);
    expect(dump(utmp)[0][7]).toBe('2026-01-02T03:04:05,678000+00:00');
    u.processEnded('tty1', 'tty1');
    expect(dump(utmp).map((f) => f.slice(0, 5))).toEqual([
      ['8', '4242', 'tty1', '', 'tty1'],
      ['5', '4343', 's2', '', 'pts/7'],
    ]);
  });

  it('truncates an id to 4 bytes and a line to 32, as the fields hold', () => {
    expect(u.processStarted('abcdef', 'x'.repeat(40), 7)).toBe(true);
    const [rec] = dump(utmp);
    expect(rec[2]).toBe('abcd');
    expect(rec[4]).toBe('x'.repeat(32));
  });

  it('writes the boot record to wtmp and starts utmp afresh with it', () => {
    u.processStarted('old', 'tty3', 99);
    fs.appendFileSync(wtmp, fs.readFileSync(utmp)); // something earlier in wtmp
    expect(u.boot()).toBe(true);
    expect(dump(utmp).map((f) => f.slice(0, 2))).toEqual([['2', '0']]);
    expect(dump(wtmp).map((f) => f.slice(0, 3))).toEqual([
      ['5', '99', 'old'],
      ['2', '0', ''],
    ]);
  });
});
