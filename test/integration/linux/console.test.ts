// Console services through the real daemon, on a pseudo-terminal made by script(1):
// runs-on-console hands the terminal to the service as its foreground process group, with
// SIGINT (and SIGQUIT/SIGTSTP/SIGTTIN/SIGTTOU) blocked, SIGINT not with unmask-intr.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINIT, DINITCTL, isBuilt, PROBE, sandboxEach, needsHelper } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { have } from '../../support/processes';

const usable = isBuilt() && have('script');
if (!usable) console.log('linux/console: skipped (needs script(1) for a pseudo-terminal)');

const describeUsable = usable && needsHelper(__filename) ? describe : describe.skip;

describeUsable('console services (real daemon on a pty)', () => {
  const sb = sandboxEach('dinit-linux-');

  /**
   * Runs dinit on a fresh pty with one console service `con` (command and options given), until
   * until() holds for the terminal output; returns that output.
   */
  async function onConsole(
    command: string,
    options: string,
    until: (tty: string) => boolean,
  ): Promise<string> {
    sb.service('con', 'type = process', `command = ${command}`, `options = ${options}`);
    const socket = path.join(sb.dir, 'socket');
    const cmd = `exec ${DINIT} -q -u -d ${sb.sd} -p ${socket} con`;
    const term = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: 'pipe' });
    let tty = '';
    term.stdout.on('data', (b: Buffer) => (tty += b.toString()));
    const exited = new Promise((r) => term.on('exit', r));
    try {
      await eventually('the console output', () => until(tty));
      return tty;
    } finally {
      spawnSync(DINITCTL, ['-p', socket, 'shutdown'], { timeout: 10000 });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      term.kill('SIGKILL');
    }
  }

  const statFields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const sigBlk = (status: string) =>
    BigInt('0x' + (/^SigBlk:\s+([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'));

  it('runs-on-console: the service owns the terminal, in its own foreground group', async () => {
    const out = sb.outDir('out');
    let r: (facet: string) => string = () => '';
    await onConsole(`${PROBE} ${out} hold`, 'runs-on-console', () => {
      if (!fs.existsSync(path.join(out, 'done'))) return false;
      r = (f) => fs.readFileSync(path.join(out, f), 'utf8');
      return true;
    });
    expect(r('fd1').trim()).toMatch(/^\/dev\/pts\/\d+$/);
    const f = statFields(r('stat'));
    // pgrp (field 5) is the terminal's foreground group (tpgid, field 8), and the process leads it.
    expect(f[2]).toBe(f[5]);
    expect(f[2]).toBe(r('pid').trim());
  });

  // A shell would hide the mask (dash resets it for its children), so grep reads its own.
  const GREP = '/bin/grep -h ^SigBlk /proc/self/status';

  it('runs-on-console blocks SIGINT (and the job-control signals) in the service', async () => {
    const tty = await onConsole(GREP, 'runs-on-console', (x) => /SigBlk:\s+[0-9a-f]+/.test(x));
    const mask = sigBlk(tty);
    expect(mask & 2n).toBe(2n); // SIGINT (2) is bit 1
    expect(mask & (1n << 19n)).toBe(1n << 19n); // SIGTSTP (20) is bit 19
  });

  it('runs-on-console with unmask-intr leaves SIGINT unblocked', async () => {
    const tty = await onConsole(GREP, 'runs-on-console unmask-intr', (x) =>
      /SigBlk:\s+[0-9a-f]+/.test(x),
    );
    const mask = sigBlk(tty);
    expect(mask & 2n).toBe(0n);
    expect(mask & (1n << 19n)).toBe(1n << 19n);
  });
});
