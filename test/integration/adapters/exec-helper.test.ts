// The exec helper on its own: instructions run in order, a failure reports (stage, errno) on
// the status fd and exits 127, success closes the status fd empty through exec.
// Skipped when the helper is not built (no C compiler).

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { findExecHelper } from '../../../adapters/posix/native-programs';

const helper = findExecHelper(path.resolve(__dirname, '../../../adapters/linux'));
if (!helper) console.warn('exec helper tests skipped: helper not built (npm run build needs cc)');
const describeHelper = helper ? describe : describe.skip;

/** Runs the helper with the status pipe at fd 3; resolves with exit code, status words, stdout. */
function runHelper(
  args: string[],
): Promise<{ code: number | null; status: number[]; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper as string, ['3', ...args], {
      stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
    });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('helper did not finish in 10 s'));
    }, 10000);
    const status: Buffer[] = [];
    let out = '';
    (child.stdio[3] as Readable).on('data', (d: Buffer) => status.push(d));
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      clearTimeout(t);
      const b = Buffer.concat(status);
      const words = [];
      for (let i = 0; i + 4 <= b.length; i += 4) words.push(b.readInt32LE(i));
      resolve({ code, status: words, out });
    });
  });
}

describeHelper('exec helper', () => {
  it('execs the command with nothing on the status pipe', async () => {
    expect(await runHelper(['--', 'sh', '-c', 'echo ran'])).toEqual({
      code: 0,
      status: [],
      out: 'ran\n',
    });
  });

  it('reports a failed chdir as stage 5 with its errno and exits 127', async () => {
    expect(await runHelper(['chdir', '/nonexistent-dir', '--', 'true'])).toEqual({
      code: 127,
      status: [5, 2],
      out: '',
    });
  });

  it('reports a failed exec as stage 18', async () => {
    expect(await runHelper(['--', '/nonexistent-command'])).toMatchObject({
      code: 127,
      status: [18, 2],
    });
  });

  it('rejects an unknown instruction as EINVAL at stage 0', async () => {
    expect(await runHelper(['bogus', '--', 'true'])).toMatchObject({ code: 127, status: [0, 22] });
  });

  it('rejects a truncated instruction', async () => {
    expect(await runHelper(['rlimit', 'nofile', '10'])).toMatchObject({
      code: 127,
      status: [0, 22],
    });
  });

  it('applies instructions in order before exec', async () => {
    const instructions = 'rlimit nofile 77 - chdir /tmp'.split(' ');
    const r = await runHelper([...instructions, '--', 'sh', '-c', 'echo $(ulimit -n) $(pwd)']);
    expect(r).toEqual({ code: 0, status: [], out: '77 /tmp\n' });
  });

  it('keeps the status fd away from the command', async () => {
    const probe = 'if [ -e /proc/self/fd/3 ]; then echo open; else echo closed; fi';
    const r = await runHelper(['--', 'sh', '-c', probe]);
    expect(r.out).toBe('closed\n');
  });
});
