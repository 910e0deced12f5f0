// The manager's journal: what a new manager needs to take the running services back after this
// one crashed or re-executed itself (dinitctl daemon-reexec, SIGUSR2): each service's state,
// marks, pins, main pid with its start time, the buffered-output pipe it reads and its sd_notify
// socket (with the STATUS= text and watchdog timeout as of the entry's last write). It lives
// beside the control socket as JSON lines: a header, then one line per change (a service's
// entry, a service gone, the daemon's state), so that an event costs one append of what changed.
// It is compacted (rewritten whole, temp file then rename) when the changes outgrow the entries.

import * as fs from 'node:fs';
import type { ResumeEntry, ServiceManager, ServiceRef } from '../core/api';
import type { Os } from '../core/os';
import type { ShutdownType } from '../model';
import { toBytes } from '../bytes';
import { ownArgs, ownEnv } from '../config/own-process';

const VERSION = 2;
/** Appended lines allowed before a compaction: this many, or four per entry if more. */
const COMPACT_AFTER = 1024;

/** The daemon's part of the journal. */
export type JournalState = Pick<JournalData, 'bootFailed' | 'shutdown' | 'bootLogged'>;

/** The journal as read back. */
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

/** One line of the journal after the header. */
type Change = { svc: ResumeEntry } | { gone: string } | { state: JournalState };

/** What the journal tells the init about the pipes it should hold (fd and inode). */
export interface HeldPipes {
  hold(fd: number, ino: number): void;
  drop(fd: number, ino: number): void;
}

/** The journal's file: the control socket's path with ".journal" added. */
export function journalPath(socketPath: string): string {
  return `${socketPath}.journal`;
}

/**
 * Reads a journal; undefined when it is missing or not one this version understands. A last line
 * cut short (the manager died while appending it) is left out.
 */
export function readJournal(file: string): JournalData | undefined {
  let text: string;
  try {
    text = fs.readFileSync(toBytes(file), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  const header = parseLine<JournalData>(lines[0]);
  // One whole JSON object, as a manager before the journal had lines wrote it.
  if (header?.version === 1 && Array.isArray(header.services)) return header;
  if (header?.version !== VERSION) return undefined;
  const services = new Map<string, ResumeEntry>();
  let state: JournalState = header;
  for (const line of lines.slice(1)) {
    const c = parseLine<Change>(line);
    if (c === undefined) break;
    if ('svc' in c) services.set(c.svc.name, c.svc);
    else if ('gone' in c) services.delete(c.gone);
    else state = c.state;
  }
  const { bootFailed, shutdown, bootLogged } = state;
  return { version: VERSION, bootFailed, shutdown, bootLogged, services: [...services.values()] };
}

function parseLine<T>(line: string | undefined): T | undefined {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the journal of one manager up to date. With an init beside the manager it is written as
 * events happen (a crash can come at any time); without one only a re-exec reads it, so it is
 * written then, whole, and events cost nothing.
 */
export class Journal {
  private scheduled = false;
  /** Services with an event since the last write. */
  private readonly dirty = new Set<ServiceRef>();
  /** Each journaled service's entry as last written, and its output pipe as "fd:ino". */
  private readonly written = new Map<string, { line: string; pipe?: string }>();
  private stateLine = '';
  /** The journal file open for appending, between compactions. */
  private fd: number | undefined;
  private appended = 0;
  /** Pipes the init holds for us, as "fd:ino". */
  private held: Set<string>;
  /** Pipes inherited from the init at start, not yet known to be ours (closed if not adopted). */
  private inherited: Set<string> | undefined;

  constructor(
    readonly file: string,
    private readonly manager: ServiceManager,
    private readonly os: Pick<Os, 'processIdentity'>,
    private readonly warn: (message: string) => void,
    private readonly state: () => JournalState,
    private readonly pipes?: HeldPipes,
    held: readonly string[] = [],
    private readonly continuous = pipes !== undefined,
  ) {
    this.held = new Set(held);
    this.inherited = new Set(held);
  }

  /**
   * Notes an event of ref (or a change of the daemon's state, without one) and writes what
   * changed once the current tick's events are all in.
   */
  schedule(ref?: ServiceRef): void {
    if (!this.continuous) return;
    if (ref !== undefined) this.dirty.add(ref);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Writes it whole now (temp file then rename, so a reader never sees half of one). */
  write(): void {
    this.dirty.clear();
    this.closeFile();
    const lines = [this.headerLine()];
    const now = new Map<string, { line: string; pipe?: string }>();
    for (const ref of this.manager.list()) {
      const e = this.entry(ref);
      if (e === undefined) continue;
      const line = JSON.stringify({ svc: e } satisfies Change);
      now.set(e.name, { line, pipe: pipeKey(e) });
      lines.push(line);
    }
    this.written.clear();
    for (const [k, v] of now) this.written.set(k, v);
    this.appended = 0;
    const tmp = `${this.file}.tmp`;
    // JSON of byte strings, as UTF-8: read back, it gives the same byte strings.
    const text = lines.join('\n') + '\n';
    if (
      this.attempt(() => fs.writeFileSync(toBytes(tmp), text, { mode: 0o600 })) &&
      this.attempt(() => fs.renameSync(toBytes(tmp), toBytes(this.file))) &&
      this.continuous
    ) {
      this.attempt(() => (this.fd = fs.openSync(toBytes(this.file), 'a')));
    }
    this.updateHeld();
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
    this.closeFile();
    // unlink, not rmSync: rmSync loads a module of its own, milliseconds at every exit.
    try {
      fs.unlinkSync(toBytes(this.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /** Appends what changed since the last write, or compacts when the changes have piled up. */
  private flush(): void {
    if (this.fd === undefined || this.appended > Math.max(COMPACT_AFTER, 4 * this.written.size)) {
      this.write();
      return;
    }
    const changes: string[] = [];
    const header = JSON.stringify(this.state());
    if (header !== this.stateLine) {
      this.stateLine = header;
      changes.push(`{"state":${header}}`);
    }
    let pipesChanged = false;
    for (const ref of this.dirty) {
      const e = this.entry(ref);
      const was = this.written.get(ref.name);
      if (e === undefined) {
        if (was === undefined) continue;
        this.written.delete(ref.name);
        changes.push(JSON.stringify({ gone: ref.name } satisfies Change));
        pipesChanged ||= was.pipe !== undefined;
        continue;
      }
      const line = JSON.stringify({ svc: e } satisfies Change);
      if (was?.line === line) continue;
      const pipe = pipeKey(e);
      this.written.set(e.name, { line, pipe });
      changes.push(line);
      pipesChanged ||= pipe !== was?.pipe;
    }
    this.dirty.clear();
    if (changes.length === 0) return;
    const fd = this.fd;
    if (!this.attempt(() => fs.writeSync(fd, changes.join('\n') + '\n'))) {
      this.closeFile();
      return;
    }
    this.appended += changes.length;
    if (pipesChanged) this.updateHeld();
  }

  /** The first line: the version and the daemon's state. */
  private headerLine(): string {
    const state = this.state();
    this.stateLine = JSON.stringify(state);
    return JSON.stringify({ version: VERSION, ...state });
  }

  /** What a new manager needs of ref; undefined when it is stopped with nothing to keep. */
  private entry(ref: ServiceRef): ResumeEntry | undefined {
    const st = this.manager.status(ref);
    if (st.state === 'stopped' && !st.markedActive && !st.pinnedStarted && !st.pinnedStopped) {
      return undefined;
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
    const notify = st.pid > 0 ? this.manager.notifyState(ref) : undefined;
    if (notify !== undefined) e.notify = notify;
    return e;
  }

  /** Runs a file operation; false (and a warning, except on a read-only root) when it fails. */
  private attempt(op: () => void): boolean {
    try {
      op();
      return true;
    } catch (err) {
      // A read-only root at boot is expected: the journal is written after starts-rwfs.
      if ((err as NodeJS.ErrnoException).code !== 'EROFS') {
        this.warn(`cannot write the journal ${this.file}: ${(err as Error).message}`);
      }
      return false;
    }
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.fd = undefined;
  }

  /** Asks the init to hold every output pipe in the journal, and to let go of the others. */
  private updateHeld(): void {
    const pipes = this.pipes;
    const now = new Set<string>();
    for (const { pipe } of this.written.values()) if (pipe !== undefined) now.add(pipe);
    for (const k of now) if (!this.held.has(k)) pipes?.hold(...splitKey(k));
    for (const k of this.held) if (!now.has(k)) pipes?.drop(...splitKey(k));
    this.held = now;
    // Pipes the init passed on that no adopted service reads: no one will, and services must not
    // inherit them.
    for (const k of this.inherited ?? []) if (!now.has(k)) closeIfSame(...splitKey(k));
    this.inherited = undefined;
  }
}

function pipeKey(e: ResumeEntry): string | undefined {
  return e.outputFd !== undefined && e.outputIno !== undefined
    ? `${e.outputFd}:${e.outputIno}`
    : undefined;
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
