// The manager's journal: what a new manager needs to take the running services back after this
// one crashed or re-executed itself (dinitctl daemon-reexec, SIGUSR2): each service's state,
// marks, pins, main pid with its start time, and the buffered-output pipe it reads. Rewritten
// atomically (temp file, then rename) after every service event, beside the control socket.

import * as fs from 'node:fs';
import type { ResumeEntry, ServiceManager } from '../core/api';
import type { Os } from '../core/os';
import type { ShutdownType } from '../model';
import { toBytes } from '../bytes';
import { ownArgs, ownEnv } from '../config/own-process';

const VERSION = 1;

/** The journal as written. */
export interface JournalData {
  version: number;
  /** A service named on the command line failed (the container exit status). */
  bootFailed: boolean;
  /** The shutdown under way when it was written ('none' when none). */
  shutdown: ShutdownType;
  /** The boot record is in utmp and wtmp already (a resumed manager must not write another). */
  bootLogged?: boolean;
  services: ResumeEntry[];
}

/** What the journal tells the init about the pipes it should hold (fd and inode). */
export interface HeldPipes {
  hold(fd: number, ino: number): void;
  drop(fd: number, ino: number): void;
}

/** The journal's file: the control socket's path with ".journal" added. */
export function journalPath(socketPath: string): string {
  return `${socketPath}.journal`;
}

/** Reads a journal; undefined when it is missing or not one this version understands. */
export function readJournal(file: string): JournalData | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(toBytes(file), 'utf8')) as JournalData;
    if (data.version !== VERSION || !Array.isArray(data.services)) return undefined;
    return data;
  } catch {
    return undefined;
  }
}

/** Keeps the journal of one manager up to date. */
export class Journal {
  private scheduled = false;
  /** Pipes the init holds for us, as "fd:ino". */
  private held: Set<string>;
  /** Pipes inherited from the init at start, not yet known to be ours (closed if not adopted). */
  private inherited: Set<string> | undefined;

  constructor(
    readonly file: string,
    private readonly manager: ServiceManager,
    private readonly os: Pick<Os, 'processIdentity'>,
    private readonly warn: (message: string) => void,
    private readonly state: () => Pick<JournalData, 'bootFailed' | 'shutdown' | 'bootLogged'>,
    private readonly pipes?: HeldPipes,
    held: readonly string[] = [],
  ) {
    this.held = new Set(held);
    this.inherited = new Set(held);
  }

  /** Writes the journal once the current tick's events are all in. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.write();
    });
  }

  /** Writes it now: temp file then rename, so a reader never sees half of one. */
  write(): void {
    const services = this.entries();
    const data: JournalData = { version: VERSION, ...this.state(), services };
    const tmp = `${this.file}.tmp`;
    try {
      // JSON of byte strings, as UTF-8: read back, it gives the same byte strings.
      fs.writeFileSync(toBytes(tmp), JSON.stringify(data), { mode: 0o600 });
      fs.renameSync(toBytes(tmp), toBytes(this.file));
    } catch (err) {
      // A read-only root at boot is expected: the journal is written after starts-rwfs.
      if ((err as NodeJS.ErrnoException).code !== 'EROFS') {
        this.warn(`cannot write the journal ${this.file}: ${(err as Error).message}`);
      }
    }
    this.updateHeld(services);
  }

  /** The journaled output pipes as "fd:ino". */
  heldKeys(): string[] {
    return [...this.held];
  }

  /** The journaled output pipes' descriptors. */
  heldFds(): number[] {
    return this.heldKeys().map((k) => splitKey(k)[0]);
  }

  /** Removes the journal (every service has stopped: nothing to take back). */
  remove(): void {
    fs.rmSync(toBytes(this.file), { force: true });
  }

  private entries(): ResumeEntry[] {
    const out: ResumeEntry[] = [];
    for (const ref of this.manager.list()) {
      const st = this.manager.status(ref);
      if (st.state === 'stopped' && !st.markedActive && !st.pinnedStarted && !st.pinnedStopped) {
        continue;
      }
      const e: ResumeEntry = {
        name: st.name,
        state: st.state,
        markedActive: st.markedActive,
        pinnedStarted: st.pinnedStarted,
        pinnedStopped: st.pinnedStopped,
        pid: st.pid,
      };
      const id = st.pid > 0 ? this.os.processIdentity?.(st.pid) : undefined;
      if (id !== undefined) Object.assign(e, id);
      out.push(e);
    }
    return out;
  }

  /** Asks the init to hold every output pipe in the journal, and to let go of the others. */
  private updateHeld(services: readonly ResumeEntry[]): void {
    const pipes = this.pipes;
    const now = new Set<string>();
    for (const e of services) {
      if (e.outputFd !== undefined && e.outputIno !== undefined) {
        now.add(`${e.outputFd}:${e.outputIno}`);
      }
    }
    for (const k of now) if (!this.held.has(k)) pipes?.hold(...splitKey(k));
    for (const k of this.held) if (!now.has(k)) pipes?.drop(...splitKey(k));
    this.held = now;
    // Pipes the init passed on that no adopted service reads: no one will, and services must not
    // inherit them.
    for (const k of this.inherited ?? []) if (!now.has(k)) closeIfSame(...splitKey(k));
    this.inherited = undefined;
  }
}

function closeIfSame(fd: number, ino: number): void {
  try {
    if (fs.fstatSync(fd).ino === ino) fs.closeSync(fd);
  } catch {
    // Not open: nothing to close.
  }
}

function splitKey(k: string): [number, number] {
  const [fd, ino] = k.split(':').map(Number);
  return [fd, ino];
}

/**
 * daemon-reexec: writes the journal one last time and replaces this process with a new manager
 * (same pid, same arguments), which resumes from it. The init's channel and every journaled log
 * pipe stay open across the exec. Returns only on failure, with the reason.
 */
export function reexecFromJournal(
  journal: Journal,
  init: { fd: number; run: number } | undefined,
): string {
  journal.write();
  const keep = journal.heldFds();
  // Byte strings: the new manager gets the same bytes as this one.
  const env = Object.entries(ownEnv()).map(([k, v]) => `${k}=${v}`);
  env.push('DINIT_TS_REEXEC=1', `DINIT_INIT_HELD=${journal.heldKeys().join(',')}`);
  if (init !== undefined) {
    env.push(`DINIT_INIT_FD=${init.fd}`, `DINIT_INIT_RUN=${init.run}`);
    keep.push(init.fd);
  }
  type AdaptersModule = typeof import('../../adapters/index');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { reexecManager } = require('../../adapters/index') as AdaptersModule;
  return reexecManager(ownArgs(), env, keep);
}
