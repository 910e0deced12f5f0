// Real processes seen from the tests: whether one is alive or a zombie, and the sweep that kills
// every process a test sandbox started (found through /proc by a mark in the environment, the
// working directory or the sandbox path on the command line), so a failed test leaves nothing.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The variable that names a sandbox in the environment of what it starts. */
export const SANDBOX_MARK = 'DINIT_TEST_SANDBOX';

export const isRoot = process.getuid?.() === 0;
const haveProc = fs.existsSync('/proc/self/environ');

/** Whether a command is on PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** The fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, ...]. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** True if pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  if (!haveProc) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Children of pid that are zombies (state Z), from /proc. */
export function zombieChildren(pid: number): number[] {
  const out: number[] = [];
  for (const p of procPids()) {
    try {
      const f = statFields(p);
      if (f[0] === 'Z' && Number(f[1]) === pid) out.push(p);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** SIGKILL, ignoring a process that is already gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function procPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

function readOr(file: string, fallback: string, link = false): string {
  try {
    return link ? fs.readlinkSync(file) : fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Whether `text` names dir itself or a path inside it (mkdtemp names end in [A-Za-z0-9]). */
function mentions(text: string, dir: string): boolean {
  for (let i = text.indexOf(dir); i >= 0; i = text.indexOf(dir, i + 1)) {
    if (!/[A-Za-z0-9]/.test(text.charAt(i + dir.length))) return true;
  }
  return false;
}

/** Whether a live process belongs to the sandbox at dir. */
function belongs(pid: number, dir: string): boolean {
  try {
    if (statFields(pid)[0] === 'Z') return false;
  } catch {
    return false;
  }
  const environ = readOr(`/proc/${pid}/environ`, '').split('\0');
  if (environ.includes(`${SANDBOX_MARK}=${dir}`)) return true;
  const cwd = readOr(`/proc/${pid}/cwd`, '', true);
  if (cwd === dir || cwd.startsWith(dir + '/')) return true;
  return mentions(readOr(`/proc/${pid}/cmdline`, ''), dir);
}

/** Without /proc: kill what the fixtures recorded in *.pid files under dir. */
function killRecorded(dir: string): void {
  const walk = [dir];
  while (walk.length > 0) {
    const d = walk.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk.push(p);
      else if (e.isFile() && /^(pid|.*\.pid|orphan\.\d+)$/.test(e.name)) {
        const pid = Number(fs.readFileSync(p, 'utf8').trim());
        if (pid > 1) killQuietly(pid);
      }
    }
  }
}

/**
 * SIGKILLs every process of the sandbox at dir, pass after pass until none is left (a fixture
 * may fork while it is being killed). Resolves once none is found, or after timeoutMs.
 */
export async function sweep(dir: string, timeoutMs = 5000): Promise<void> {
  if (!haveProc) {
    if (fs.existsSync(dir)) killRecorded(dir);
    return;
  }
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = procPids().filter((p) => p !== process.pid && belongs(p, dir));
    if (pids.length === 0 || Date.now() > end) return;
    for (const p of pids) killQuietly(p);
    await new Promise((r) => setTimeout(r, 10));
  }
}
