// The rotated log file on a real file system, fed through real streams: whole lines only,
// rotation between lines, a long line kept whole, the number and size of files bounded.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { LINE_HOLD, RotatingLog, type RotationSpec } from '../../../adapters/posix/rotating-log';

let dir = '';
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotlog-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function spec(over: Partial<RotationSpec> = {}): RotationSpec {
  return {
    path: path.join(dir, 'svc.log'),
    permissions: 0o640,
    maxSize: 100,
    maxFiles: 3,
    ...over,
  };
}

/** Feeds chunks through one stream into log and resolves once the log has taken its end. */
function feed(log: RotatingLog, chunks: (string | Buffer)[]): Promise<void> {
  const s = new PassThrough();
  const done = new Promise<void>((r) => log.attach(s, r));
  for (const c of chunks) s.write(c);
  s.end();
  return done;
}

/** The files of the log, oldest first, with their text. */
function files(sp: RotationSpec): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (let i = sp.maxFiles; i >= 1; i--) {
    const p = `${sp.path}.${i}`;
    if (fs.existsSync(p)) out.push({ name: path.basename(p), text: fs.readFileSync(p, 'utf8') });
  }
  out.push({ name: path.basename(sp.path), text: fs.readFileSync(sp.path, 'utf8') });
  return out;
}

describe('RotatingLog', () => {
  it('rotates between lines, keeps maxFiles old files, and no file exceeds maxSize', async () => {
    const sp = spec();
    const log = new RotatingLog(sp, (m) => {
      throw new Error(m);
    });
    expect(log.open(sp)).toBeUndefined();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}\n`);
    // Chunks cut across lines on purpose.
    const all = lines.join('');
    const chunks: string[] = [];
    for (let i = 0; i < all.length; i += 37) chunks.push(all.slice(i, i + 37));
    await feed(log, chunks);
    const fsList = files(sp);
    expect(fsList.map((f) => f.name)).toEqual(['svc.log.3', 'svc.log.2', 'svc.log.1', 'svc.log']);
    for (const f of fsList) {
      expect(f.text.length).toBeLessThanOrEqual(100);
      expect(f.text.endsWith('\n')).toBe(true);
    }
    // What is kept is the end of the output, in order, with no line split.
    expect(all.endsWith(fsList.map((f) => f.text).join(''))).toBe(true);
    expect(fs.statSync(sp.path).mode & 0o777).toBe(0o640);
    expect(fs.statSync(`${sp.path}.1`).mode & 0o777).toBe(0o640);
  });

  it('writes a line longer than maxSize whole, in a file of its own, then rotates', async () => {
    const sp = spec({ maxSize: 20 });
    const log = new RotatingLog(sp, () => {});
    log.open(sp);
    const long = 'L'.repeat(50) + '\n';
    await feed(log, ['short 1\n', long.slice(0, 10), long.slice(10), 'short 2\n']);
    expect(files(sp).map((f) => f.text)).toEqual(['short 1\n', long, 'short 2\n']);
  });

  it('writes a line longer than LINE_HOLD as it arrives, without splitting it across files', async () => {
    const sp = spec({ maxSize: 1000 });
    const log = new RotatingLog(sp, () => {});
    log.open(sp);
    const long = Buffer.alloc(LINE_HOLD * 3, 'x');
    await feed(log, [
      'a\n',
      long.subarray(0, LINE_HOLD + 5),
      long.subarray(LINE_HOLD + 5),
      '\nb\n',
    ]);
    const texts = files(sp).map((f) => f.text);
    expect(texts).toEqual(['a\n', 'x'.repeat(LINE_HOLD * 3) + '\n', 'b\n']);
  });

  it('appends to an existing file and counts what it holds', async () => {
    const sp = spec({ maxSize: 20 });
    fs.writeFileSync(sp.path, 'earlier output 123\n');
    const log = new RotatingLog(sp, () => {});
    log.open(sp);
    await feed(log, ['new\n']);
    expect(files(sp).map((f) => f.text)).toEqual(['earlier output 123\n', 'new\n']);
  });

  it('writes a last line without a newline when the writer ends', async () => {
    const sp = spec();
    const log = new RotatingLog(sp, () => {});
    log.open(sp);
    await feed(log, ['one\ntw', 'o']);
    expect(fs.readFileSync(sp.path, 'utf8')).toBe('one\ntwo');
  });

  it('keeps no old file with maxFiles = 0', async () => {
    const sp = spec({ maxSize: 10, maxFiles: 0 });
    const log = new RotatingLog(sp, () => {});
    log.open(sp);
    await feed(log, ['12345678\n', 'abcdefgh\n']);
    expect(fs.readdirSync(dir)).toEqual(['svc.log']);
    expect(fs.readFileSync(sp.path, 'utf8')).toBe('abcdefgh\n');
  });

  it('does not follow a symlink at the path', () => {
    const sp = spec();
    fs.writeFileSync(path.join(dir, 'target'), 'keep\n');
    fs.symlinkSync(path.join(dir, 'target'), sp.path);
    const log = new RotatingLog(sp, () => {});
    expect(log.open(sp)).toBe(os.constants.errno.ELOOP);
  });

  it('says it is idle once its last writer has finished, not before', async () => {
    const sp = spec();
    let idle = 0;
    const log = new RotatingLog(
      sp,
      (m) => {
        throw new Error(m);
      },
      () => idle++,
    );
    expect(log.open(sp)).toBeUndefined();
    const first = new PassThrough();
    const firstDone = new Promise<void>((r) => log.attach(first, r));
    await feed(log, ['a\n']);
    expect(idle).toBe(0); // the first writer is still attached
    first.end('b\n');
    await firstDone;
    expect(idle).toBe(1);
    expect(log.inUse).toBe(false);
  });
});
