// Boots dinit as PID 1 of a fresh PID + mount namespace (unshare -p -f -m --mount-proc, a tmpfs
// on /run), where reboot(2) ends the namespace's init instead of the machine. Gives the tests
// the namespace's processes as the host sees them, dinitctl on the manager's socket, and a
// cleanup that kills the whole namespace.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const DINIT = path.join(ROOT, 'bin/dinit');
export const DINITCTL = path.join(ROOT, 'bin/dinitctl');
export const DINIT_SHUTDOWN = path.join(ROOT, 'bin/dinit-shutdown');
const INIT = path.join(ROOT, 'adapters/native/build/dinit-init');

/** Why namespace boots cannot run here, or undefined when they can. */
export function whyNoNamespaces(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  if (!fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js')))
    return 'not built (npm run build)';
  if (!fs.existsSync(INIT)) return 'adapters/native/build/dinit-init not built';
  const r = spawnSync('unshare', ['-p', '-f', '-m', '--mount-proc', 'true'], { timeout: 5000 });
  if (r.status !== 0)
    return `unshare -p -f -m --mount-proc fails here (${r.error?.message ?? r.status})`;
  return undefined;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

/** /proc/<pid>/stat of a host pid, or undefined once it is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const rest = text.slice(close + 2).split(' ');
    return { pid, ppid: Number(rest[1]), state: rest[0], comm };
  } catch {
    return undefined;
  }
}

/**
 * True when the process runs the node binary (by its executable: Node 24 renames its main
 * thread, so the command name is "MainThread" there).
 */
export function runsNode(pid: number): boolean {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)) === 'node';
  } catch {
    return false;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const t = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      for (const p of t.split(' ')) if (p.trim() !== '') out.push(Number(p));
    }
  } catch {
    // Gone meanwhile.
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls cond every 50 ms until it holds or ms pass; returns whether it held. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await sleep(50);
  }
}

/** True when something accepts a connection on the unix socket at p. */
export function answers(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(p);
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 1000);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

export interface NsBoot {
  dir: string;
  socket: string;
  /** Host pid of the namespace's PID 1. */
  init: number;
  output(): string;
  /** Resolves once unshare has exited: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Host pids of every process in the namespace (PID 1 and its descendants). */
  pids(): number[];
  /** Host pid of the Node manager (the init's child running node), if any. */
  manager(): number | undefined;
  /** Runs dinitctl on the manager's socket. */
  ctl(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Runs a command inside the namespace (nsenter -p -m). */
  inside(cmd: string[]): { status: number | null; stdout: string; stderr: string };
  cleanup(): Promise<void>;
}

/** How a namespace is booted, beyond the arguments and services. */
export interface BootOptions {
  waitSocket?: boolean;
  env?: Record<string, string>;
  /** Shell commands run inside the namespace before dinit (after /run is mounted). */
  setup?: string | ((dir: string) => string);
  /** The dinit to boot (default ours); initComm is the command name PID 1 ends up with. */
  dinit?: string;
  initComm?: string;
  /** Runs dinit through this command (e.g. setpriv) by exec, so that it stays PID 1. */
  execPrefix?: string[];
  /** No -p: the system socket, /run/dinitctl inside the namespace (socket names it from here). */
  systemSocket?: boolean;
}

/**
 * Boots `dinit <args>` as PID 1 of a new namespace, with services (name -> description text,
 * or a function of the temp dir giving them) in <dir>/sd, -d <dir>/sd and -p <dir>/socket
 * added. Waits until the control socket answers unless waitSocket is false. OUT_DIR=<dir> for
 * the service scripts.
 */
export async function bootNs(
  args: string[],
  services: Record<string, string> | ((dir: string) => Record<string, string>),
  opts: BootOptions = {},
): Promise<NsBoot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-ns-'));
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  const texts = typeof services === 'function' ? services(dir) : services;
  for (const [name, text] of Object.entries(texts)) fs.writeFileSync(path.join(sd, name), text);
  let socket = path.join(dir, 'socket');
  const sockArgs = opts.systemSocket ? [] : ['-p', socket];
  const argv = [...(opts.execPrefix ?? []), opts.dinit ?? DINIT, '-d', sd, ...sockArgs, ...args]
    .map((a) => `'${a}'`)
    .join(' ');
  const setup = typeof opts.setup === 'function' ? opts.setup(dir) : (opts.setup ?? 'true');
  const proc: ChildProcess = spawn(
    'unshare',
    [
      '-p',
      '-f',
      '-m',
      '--mount-proc',
      'sh',
      '-c',
      `mount -t tmpfs tmpfs /run && ${setup} && exec ${argv}`,
    ],
    {
      cwd: dir,
      env: { ...process.env, OUT_DIR: dir, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let init = 0;
  await waitFor(() => {
    init = children(proc.pid ?? 0)[0] ?? 0;
    return init !== 0 && procInfo(init)?.comm === (opts.initComm ?? 'dinit-init');
  }, 10000);
  // The namespace's own /run, reached from here through its root.
  if (opts.systemSocket) socket = `/proc/${init}/root/run/dinitctl`;
  const pids = (): number[] => {
    if (init === 0 || !procInfo(init)) return [];
    const all: number[] = [];
    const queue = [init];
    while (queue.length > 0) {
      const p = queue.shift() as number;
      all.push(p);
      queue.push(...children(p));
    }
    return all;
  };
  const boot: NsBoot = {
    dir,
    socket,
    init,
    output: () => out,
    exited,
    pids,
    manager: () => children(init).find(runsNode),
    ctl: (...a) => {
      const r = spawnSync('node', [DINITCTL, '-p', socket, ...a], {
        encoding: 'utf8',
        timeout: 15000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    inside: (cmd) => {
      const r = spawnSync('nsenter', ['-t', String(init), '-p', '-m', '--', ...cmd], {
        encoding: 'utf8',
        timeout: 15000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    cleanup: async () => {
      // Killing the namespace's PID 1 kills every process in the namespace.
      if (init !== 0 && procInfo(init)) {
        try {
          process.kill(init, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      proc.kill('SIGKILL');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.waitSocket !== false) {
    const end = Date.now() + 15000;
    while (Date.now() < end && !(await answers(socket))) await sleep(50);
  }
  return boot;
}
