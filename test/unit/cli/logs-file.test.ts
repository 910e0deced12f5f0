// dinitctl logs -f on a log file that rotates: what was written before, during and after a
// rotation is read once and in order, also when a read meets the rotation half done.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileSource } from '../../../src/cli/logs';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-logs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const text = async (src: ReturnType<typeof fileSource>) => (await src.read()).toString();

it('reads the rest of a rotated file, then the files rotated after it, then the new one', async () => {
  const log = path.join(dir, 'svc.log');
  fs.writeFileSync(log, 'a\n');
  const src = fileSource('svc', log);
  expect(await text(src)).toBe('a\n');
  fs.appendFileSync(log, 'b\n');
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, 'c\n');
  fs.renameSync(`${log}.1`, `${log}.2`);
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, 'd\n');
  expect(await text(src)).toBe('b\nc\nd\n');
});

it('waits for a rotation that is renaming the files to finish instead of skipping them', async () => {
  const log = path.join(dir, 'svc.log');
  fs.writeFileSync(log, 'a\n');
  const src = fileSource('svc', log);
  expect(await text(src)).toBe('a\n');
  // The open file was rotated to .1, then written after; a second rotation has moved it to .2
  // but not yet the new file to .1: a walk from .1 meets a gap.
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, 'b\n');
  fs.renameSync(`${log}.1`, `${log}.2`);
  expect(await text(src)).toBe('');
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, 'c\n');
  expect(await text(src)).toBe('b\nc\n');
});

it('goes on with the current file when the open one was moved out of the rotated names', async () => {
  const log = path.join(dir, 'svc.log');
  fs.writeFileSync(log, 'a\n');
  const src = fileSource('svc', log);
  expect(await text(src)).toBe('a\n');
  fs.renameSync(log, path.join(dir, 'elsewhere'));
  fs.writeFileSync(log, 'b\n');
  expect(await text(src)).toBe('');
  expect(await text(src)).toBe('b\n');
});
