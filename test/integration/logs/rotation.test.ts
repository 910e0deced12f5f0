// log-type = file with rotation (logfile-max-size, logfile-max-files) through the real daemon and
// a real fast writer: no line lost, none split across files, file count and sizes bounded,
// logfile-permissions on every file; without rotation the service still writes the file itself.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, isBuilt, PROBE, probeResult, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

jest.setTimeout(120000);

const WRITER = path.join(FIXTURES, 'fast-writer.sh');

/** The log's files, oldest first: log.N ... log.1, log. */
function logFiles(log: string): string[] {
  const dir = path.dirname(log);
  const base = path.basename(log);
  const rotated = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && /^\d+$/.test(f.slice(base.length + 1)))
    .map((f) => Number(f.slice(base.length + 1)))
    .sort((a, b) => b - a)
    .map((n) => path.join(dir, `${base}.${n}`));
  return [...rotated, log];
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const expectedLines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

(isBuilt() ? describe : describe.skip)('logfile rotation (real daemon)', () => {
  const sb = sandboxEach('dinit-rotate-');

  it('loses no line and splits none across files, with sizes and file count bounded', async () => {
    const N = 100000;
    const log = sb.path('fast.log');
    sb.service(
      'fast',
      'type = process',
      `command = ${WRITER} ${N} 40000`,
      `logfile = ${log}`,
      'logfile-permissions = 0640',
      'logfile-max-size = 32K',
      'logfile-max-files = 100',
    );
    await sb.start(['fast']);
    await eventually('the end', () => readOr(log).endsWith('end\n'), { timeoutMs: 60000 });
    const files = logFiles(log);
    const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
    // Every line, in order, exactly once.
    const all = texts.join('').split('\n');
    expect(all.length).toBe(N + 3);
    expect(all).toEqual([...expectedLines(N), 'L'.repeat(40000), 'end', '']);
    for (const [i, t] of texts.entries()) {
      // Each file holds whole lines only.
      expect(t.endsWith('\n')).toBe(true);
      // At most 32 KiB, except a file holding a single longer line.
      if (t.length > 32 * 1024) expect(t.split('\n').length).toBe(2);
      expect(fs.statSync(files[i]).mode & 0o777).toBe(0o640);
    }
    expect(files.length).toBeGreaterThan(10);
    expect(files.length).toBeLessThanOrEqual(101);
  });

  it('keeps logfile-max-files old files, the newest output', async () => {
    const N = 50000;
    const log = sb.path('kept.log');
    sb.service(
      'kept',
      'type = process',
      `command = ${WRITER} ${N}`,
      `logfile = ${log}`,
      'logfile-max-size = 4K',
      'logfile-max-files = 3',
    );
    await sb.start(['kept']);
    await eventually('the end', () => readOr(log).endsWith('end\n'), { timeoutMs: 60000 });
    const files = logFiles(log);
    expect(files.map((f) => path.basename(f))).toEqual([
      'kept.log.3',
      'kept.log.2',
      'kept.log.1',
      'kept.log',
    ]);
    const lines = files
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('')
      .split('\n');
    // A consecutive run of the last lines: nothing lost between the files kept.
    expect(lines.slice(-2)).toEqual(['end', '']);
    const kept = lines.slice(0, -2);
    const first = Number(/^line (\d+)$/.exec(kept[0])?.[1]);
    expect(kept).toEqual(expectedLines(N).slice(first - 1));
    for (const f of files) expect(fs.statSync(f).size).toBeLessThanOrEqual(4096);
  });

  it('without logfile-max-size the service writes the logfile itself, as upstream', async () => {
    const out = sb.outDir('out');
    const log = sb.path('direct.log');
    sb.service('direct', 'type = process', `command = ${PROBE} ${out} hold`, `logfile = ${log}`);
    await sb.start(['direct']);
    expect((await probeResult(out))('fd1').trim()).toBe(log);
  });

  it('goes on across daemon-reexec: same process, every line, rotation still bounded', async () => {
    const log = sb.path('tick.log');
    sb.service(
      'tick',
      'type = process',
      `command = ${path.join(FIXTURES, 'ticker.sh')}`,
      `logfile = ${log}`,
      'logfile-max-size = 200',
      'logfile-max-files = 1000',
    );
    const d = await sb.start(['tick']);
    const ticks = () =>
      logFiles(log)
        .map(readOr)
        .join('')
        .split('\n')
        .filter((l) => l !== '');
    await eventually('some lines', () => ticks().length > 20);
    const pid = d.ctl('status', 'tick').stdout;
    const r = d.ctl('daemon-reexec');
    expect(r.status).toBe(0);
    const before = ticks().length;
    await eventually('more lines after the re-exec', () => ticks().length > before + 40);
    expect(d.ctl('status', 'tick').stdout).toBe(pid);
    const lines = ticks();
    expect(lines).toEqual(lines.map((_, i) => `tick ${i + 1}`));
    for (const f of logFiles(log)) expect(fs.statSync(f).size).toBeLessThanOrEqual(200);
  });

  it('with rotation the service writes to a pipe that the daemon reads', async () => {
    const out = sb.outDir('out');
    const log = sb.path('piped.log');
    sb.service(
      'piped',
      'type = process',
      `command = ${PROBE} ${out} hold`,
      `logfile = ${log}`,
      'logfile-max-size = 1M',
    );
    await sb.start(['piped']);
    expect((await probeResult(out))('fd1').trim()).toMatch(/^pipe:\[\d+\]$/);
    expect(fs.existsSync(log)).toBe(true);
  });
});
