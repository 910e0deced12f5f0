// dinitctl logs -f through the real daemon and real writers: a rotated log file followed across
// many rotations without losing or repeating a line.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, FIXTURES, isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

jest.setTimeout(120000);

const GATED = path.join(FIXTURES, 'gated-writer.sh');

/** Runs `dinitctl logs -f ...` and collects what it prints. */
function follow(socket: string, ...args: string[]): { proc: ChildProcess; seen: () => string } {
  const proc = spawn(DINITCTL, ['-p', socket, 'logs', '-f', ...args]);
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  return { proc, seen: () => out };
}

/** The messages of one service in `logs` output ("<time> <name> | <message>"). */
function messages(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.includes(` ${name} | `))
    .map((l) => l.slice(l.indexOf(' | ') + 3));
}

(isBuilt() ? describe : describe.skip)('dinitctl logs -f (real daemon)', () => {
  const sb = sandboxEach('dinit-follow-');
  const followers: ChildProcess[] = [];
  afterEach(() => {
    for (const p of followers.splice(0)) p.kill();
  });

  it('follows a rotated log file across many rotations, every line once and in order', async () => {
    const N = 20000;
    const log = sb.path('rot.log');
    const go = sb.path('go');
    sb.service(
      'rot',
      'type = process',
      `command = ${GATED} ${N} ${go}`,
      `logfile = ${log}`,
      'logfile-max-size = 4K',
      'logfile-max-files = 200',
    );
    const d = await sb.start(['rot']);
    const f = follow(d.socket, '-n', '0', 'rot');
    followers.push(f.proc);
    await eventually('logs -f to follow', () => f.seen().includes('rot | ready'));
    fs.writeFileSync(go, '');
    await eventually('the end', () => f.seen().includes('rot | end\n'), { timeoutMs: 60000 });
    const lines = messages(f.seen(), 'rot').filter((m) => m !== 'ready');
    expect(lines).toEqual([...Array.from({ length: N }, (_, i) => `line ${i + 1}`), 'end']);
    // It did rotate, many times.
    expect(fs.existsSync(`${log}.20`)).toBe(true);
  });
});
