// Reading a configuration file (a service description, an @include, an environment file):
// only a regular file, opened without blocking, and at most MAX_CONFIG_FILE_BYTES of it.

import * as fs from 'node:fs';
import { toBytes } from '../bytes';
import { errnoText } from '../strerror';

/** The largest configuration file read: 1 MiB. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * The longest line of a description, continuations included: 128 KiB, the most Linux takes
 * for one argument (MAX_ARG_STRLEN), which no setting needs to exceed.
 */
export const MAX_CONFIG_LINE_BYTES = 128 * 1024;

/** A file refused before it is read: not a regular file, or larger than the bound. */
export class ConfigFileRefused extends Error {}

/** What a read learned about the file besides its contents (see readConfigFile). */
export interface ConfigFileFacts {
  /** Its modification time, from the fstat of the read. */
  mtimeNs?: bigint;
  /** The path named a symbolic link (its last component), which the read followed. */
  symlink?: boolean;
}

/**
 * Returns the contents of `file` (a byte string, as every path) decoded with `encoding`: by
 * default a byte string, one char per byte, since descriptions and env files are bytes. The file is opened with O_NONBLOCK
 * and checked with fstat before any read, so a FIFO or a device (a link to /dev/zero) never
 * blocks or floods the reader. Throws the Node errno error from open (ENOENT, EACCES...),
 * one with code EISDIR for a directory, or ConfigFileRefused. With `facts`, its mtimeNs is set
 * from the same fstat (the time of the file read, with no second lookup of the path), and
 * symlink from the open itself.
 */
export function readConfigFile(
  file: string,
  encoding: BufferEncoding = 'latin1',
  facts?: ConfigFileFacts,
): string {
  const fd = openFollowing(toBytes(file), facts);
  try {
    const st = facts ? fs.fstatSync(fd, { bigint: true }) : fs.fstatSync(fd);
    if (facts) facts.mtimeNs = (st as fs.BigIntStats).mtimeNs;
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (!st.isFile()) throw new ConfigFileRefused('not a regular file');
    // Read one byte past the size (or the bound) to see the end; a file that grew meanwhile
    // gets a larger buffer, up to one byte past the bound.
    let buf = Buffer.allocUnsafe(Math.min(Number(st.size), MAX_CONFIG_FILE_BYTES) + 1);
    let got = 0;
    for (let n = -1; n !== 0 && got <= MAX_CONFIG_FILE_BYTES; got += n) {
      if (got === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(2 * buf.length, MAX_CONFIG_FILE_BYTES + 1));
        buf.copy(bigger);
        buf = bigger;
      }
      n = fs.readSync(fd, buf, got, buf.length - got, null);
    }
    if (got > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigFileRefused(`file too large (limit ${MAX_CONFIG_FILE_BYTES} bytes)`);
    }
    return buf.toString(encoding, 0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Opens path for reading without blocking. With facts, the open refuses a symbolic link first
 * (O_NOFOLLOW: ELOOP, or EMLINK on FreeBSD) and then follows it, so that the caller learns
 * whether the path was a link without a readlink of every file (which fails, with an error
 * object and its stack, for each one that is not).
 */
function openFollowing(path: Buffer, facts: ConfigFileFacts | undefined): number {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
  if (facts === undefined || fs.constants.O_NOFOLLOW === undefined) return fs.openSync(path, flags);
  try {
    const fd = fs.openSync(path, flags | fs.constants.O_NOFOLLOW);
    facts.symlink = false;
    return fd;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'EMLINK') throw e;
  }
  facts.symlink = true;
  return fs.openSync(path, flags);
}

/** The reason a read failed, for a message: ConfigFileRefused's own, else strerror text. */
export function readFailureText(e: unknown): string {
  return e instanceof ConfigFileRefused ? e.message : errnoText(e);
}
