// A log file with rotation (logfile-max-size, logfile-max-files; dinit-ts): the daemon reads the
// service's output from a pipe and appends it to the file itself, whole lines at a time, and
// renames file -> file.1 -> ... -> file.N between two lines once the next would not fit.

import * as fs from 'node:fs';
import * as nodeOs from 'node:os';
import type { Readable } from 'node:stream';
import type { RotationSpec } from '../../src/core/os';
import { applyOwnership, openForAppend } from './log-file';
import { toBytes } from '../../src/bytes';

export type { RotationSpec };

/**
 * A partial line held in memory at most this long while the rest of it arrives; a longer line is
 * written in pieces as it comes (still into one file: rotation waits for its end).
 */
export const LINE_HOLD = 64 * 1024;

/** One writer into the log (the service process, or its stop command). */
interface Source {
  /** The start of a line whose end has not arrived yet (at most LINE_HOLD bytes). */
  held: Buffer;
  /** A line longer than LINE_HOLD is being written piece by piece. */
  inLongLine: boolean;
}

/**
 * The rotated log of one path, shared by every process that writes to it. Writes are
 * synchronous: each chunk read from a pipe is in the file (or in `held`) before the next is
 * read, so nothing is lost and a fast writer is slowed by its full pipe, never dropped. Memory
 * is bounded by one pipe read plus LINE_HOLD per source.
 */
export class RotatingLog {
  private fd: number | undefined;
  private size = 0;
  private readonly sources = new Set<Source>();
  private rotateErrorLogged = false;

  constructor(
    private spec: RotationSpec,
    private readonly warn: (message: string) => void,
    /** Called when the last writer has finished and the file is closed. */
    private readonly onIdle: () => void = () => {},
  ) {}

  /**
   * Opens the file for a new process (created with logfile-permissions; mode and owner applied
   * again, as on every start); returns an errno on failure, undefined on success.
   */
  open(spec: RotationSpec): number | undefined {
    this.spec = spec;
    if (this.fd !== undefined) {
      try {
        applyOwnership(this.fd, spec);
      } catch (e) {
        return errnoOf(e);
      }
      return undefined;
    }
    const r = openFile(spec);
    if ('errno' in r) return r.errno;
    this.fd = r.fd;
    this.size = r.size;
    return undefined;
  }

  /** Reads `stream` into the log until its end; `done` runs once it has ended and been written. */
  attach(stream: Readable, done?: () => void): void {
    const src: Source = { held: Buffer.alloc(0), inLongLine: false };
    this.sources.add(src);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.finishSource(src);
      done?.();
    };
    stream.on('data', (chunk: Buffer) => this.take(src, chunk));
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', () => {});
  }

  /** True while a process is attached (the file is open). */
  get inUse(): boolean {
    return this.sources.size > 0;
  }

  private finishSource(src: Source): void {
    if (src.held.length > 0) {
      // The last line had no newline: written as it is, in one file.
      this.rotateBefore(src.held.length);
      this.write(src.held);
    }
    this.sources.delete(src);
    if (this.sources.size === 0 && this.fd !== undefined) {
      closeQuietly(this.fd);
      this.fd = undefined;
      this.onIdle();
    }
  }

  /** Writes what `chunk` completes; keeps an unfinished line for later. */
  private take(src: Source, chunk: Buffer): void {
    let data = src.held.length > 0 ? Buffer.concat([src.held, chunk]) : chunk;
    src.held = Buffer.alloc(0);
    const max = this.spec.maxSize;
    let pos = 0;
    while (pos < data.length) {
      if (src.inLongLine) {
        const nl = data.indexOf(0x0a, pos);
        const end = nl < 0 ? data.length : nl + 1;
        this.write(data.subarray(pos, end));
        pos = end;
        if (nl >= 0) {
          src.inLongLine = false;
          if (this.size >= max) this.rotate();
        }
        continue;
      }
      // As many whole lines as fit in the room left, in one write.
      const room = max - this.size;
      if (room > 0) {
        const last = data.lastIndexOf(0x0a, Math.min(data.length, pos + room) - 1);
        if (last >= pos) {
          this.write(data.subarray(pos, last + 1));
          pos = last + 1;
          continue;
        }
      }
      const nl = data.indexOf(0x0a, pos);
      if (nl >= 0) {
        // A whole line that does not fit: into a fresh file; alone if longer than a file.
        if (this.size > 0) {
          this.rotate();
          if (this.size === 0) continue;
        }
        this.write(data.subarray(pos, nl + 1));
        pos = nl + 1;
        if (this.size >= max) this.rotate();
        continue;
      }
      const rest = data.subarray(pos);
      if (rest.length <= LINE_HOLD) {
        src.held = Buffer.from(rest);
      } else {
        this.rotateBefore(rest.length);
        this.write(rest);
        src.inLongLine = true;
      }
      break;
    }
    data = Buffer.alloc(0);
  }

  /** Rotates first when `length` more bytes would not fit in a file that holds something. */
  private rotateBefore(length: number): void {
    if (this.size > 0 && this.size + length > this.spec.maxSize) this.rotate();
  }

  private write(bytes: Buffer): void {
    if (this.fd === undefined) return;
    let off = 0;
    while (off < bytes.length) {
      try {
        off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EINTR') continue;
        this.warnRotation(`cannot write to ${this.spec.path}: ${(e as Error).message}`);
        return;
      }
    }
    this.size += bytes.length;
  }

  /**
   * path.(N-1) -> path.N, ..., path -> path.1, then a new path. The old file stays open until
   * the new one is, so that a failure to rotate leaves output going to the old file.
   */
  private rotate(): void {
    const { path, maxFiles } = this.spec;
    try {
      if (maxFiles > 0) {
        for (let i = maxFiles - 1; i >= 1; i--) renameIfThere(`${path}.${i}`, `${path}.${i + 1}`);
        fs.renameSync(toBytes(path), toBytes(`${path}.1`));
      } else {
        fs.unlinkSync(toBytes(path));
      }
    } catch (e) {
      this.warnRotation(`cannot rotate ${path}: ${(e as Error).message}`);
      return;
    }
    const r = openFile(this.spec);
    if ('errno' in r) {
      this.warnRotation(`cannot open ${path} after rotating it: errno ${r.errno}`);
      return;
    }
    if (this.fd !== undefined) closeQuietly(this.fd);
    this.fd = r.fd;
    this.size = r.size;
  }

  /** Said once per log: the output keeps going to the file open so far. */
  private warnRotation(message: string): void {
    if (this.rotateErrorLogged) return;
    this.rotateErrorLogged = true;
    this.warn(message);
  }
}

/** Opens path as log-type = file does (append, create, no symlink followed); sets mode and owner. */
function openFile(spec: RotationSpec): { fd: number; size: number } | { errno: number } {
  const fd = openForAppend(spec);
  if (typeof fd === 'object') return fd;
  try {
    const st = fs.fstatSync(fd);
    // Rotation renames the file: only a regular file can be rotated.
    if (!st.isFile()) {
      closeQuietly(fd);
      return { errno: nodeOs.constants.errno.EINVAL };
    }
    applyOwnership(fd, spec);
    return { fd, size: st.size };
  } catch (e) {
    closeQuietly(fd);
    return { errno: errnoOf(e) };
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(toBytes(from), toBytes(to));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed.
  }
}

/** The positive errno of a Node system error (libuv numbers are negated). */
function errnoOf(e: unknown): number {
  const n = (e as NodeJS.ErrnoException).errno;
  return typeof n === 'number' ? Math.abs(n) : 0;
}
