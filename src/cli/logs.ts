// dinitctl logs (dinit-ts): the output of one or more services, log-type buffer (read through
// CATLOG, without clearing) or file (read from the file, followed across truncation and rotation),
// as lines with a timestamp and the service's name, or as JSON lines; -f keeps reading: a
// daemon that speaks the dinit-ts extension pushes new buffered output (DTS_FOLLOW), otherwise
// (upstream's) the buffer is polled through CATLOG.

import * as fs from 'node:fs';
import type { CommandContext } from './command';
import { jsonText } from './json';
import { connectAndLoad, serviceFilePath } from './ops';
import type { CtlPort } from './port';
import { loadServiceDescription } from '../config/read-description';
import { CliError } from '../errors';
import { toBytes } from '../bytes';

/** Where a service's output is read from; `read` returns the bytes new since the last read. */
export interface Source {
  name: string;
  read(): Promise<Buffer>;
  /** The part of a line read so far. */
  partial: string;
  /**
   * Set for output the daemon pushes (DTS_FOLLOW): `read` gives only what was buffered when the
   * follow began, later output goes to the receiver set here.
   */
  push?: { receive(onOutput: (data: Buffer, dropped: number) => void): void };
}

/** How often -f looks for new output. */
const FOLLOW_INTERVAL_MS = 300;

/** A log-type = buffer source: the new end of the buffer (all of it again after a clear). */
function bufferSource(name: string, port: CtlPort, handle: number): Source {
  let seen = 0;
  return {
    name,
    partial: '',
    async read() {
      const log = (await port.catLog(handle, false)) ?? Buffer.alloc(0);
      if (log.length < seen) seen = 0;
      const chunk = log.subarray(seen);
      seen = log.length;
      return chunk;
    },
  };
}

/**
 * A log-type = file source: the bytes appended since the last read. The file stays open, so that
 * when it is rotated (file -> file.1 -> file.2 ..., and a new file) the rest of it is read, then
 * the files rotated after it, then the new one; a file truncated in place is read from its start.
 */
export function fileSource(name: string, file: string): Source {
  let fd: number | undefined;
  let pos = 0;
  // The last read found the open file renamed but not among the rotated names (see filesAfter).
  let strayed = false;
  return {
    name,
    partial: '',
    read() {
      const chunks: Buffer[] = [];
      if (fd !== undefined) {
        const old = fd;
        const r = readFrom(old, pos);
        chunks.push(r.bytes);
        pos = r.pos;
        const next = filesAfter(file, fs.fstatSync(old), strayed);
        strayed = next === 'strayed';
        if (Array.isArray(next)) {
          // What was written to it between the read above and its rotation: nothing is written
          // to a file once it is rotated, so this read reaches its true end.
          chunks.push(readFrom(old, pos).bytes);
          fs.closeSync(old);
          // The files rotated in between are read whole; the last one (the file) stays open.
          fd = next.pop();
          for (const f of next) {
            chunks.push(readFrom(f, 0).bytes);
            fs.closeSync(f);
          }
          pos = 0;
        }
      } else {
        try {
          fd = fs.openSync(toBytes(file), 'r');
        } catch {
          return Promise.resolve(Buffer.alloc(0)); // Not created yet.
        }
      }
      if (fd !== undefined) {
        const r = readFrom(fd, pos);
        chunks.push(r.bytes);
        pos = r.pos;
      }
      return Promise.resolve(Buffer.concat(chunks));
    },
  };
}

/** Reads fd from pos to its end (from 0 when it is now shorter than pos: truncated). */
function readFrom(fd: number, pos: number): { bytes: Buffer; pos: number } {
  const size = fs.fstatSync(fd).size;
  if (size < pos) pos = 0;
  const bytes = Buffer.alloc(size - pos);
  const n = fs.readSync(fd, bytes, 0, bytes.length, pos);
  return { bytes: bytes.subarray(0, n), pos: pos + n };
}

/**
 * When `file` is no longer the file `old` (rotated): open descriptors of the files written after
 * it, oldest first, ending with the current `file`; undefined when it has not been rotated (or the
 * new file is not there yet). When `old` still has a name but is not among file.1, file.2, ...,
 * a rotation may be renaming them (from the oldest down, so a walk can meet a gap before it):
 * 'strayed', and the next read looks again; if it `strayed` then too, it was moved elsewhere, and
 * like a file rotated out (no name left) it is followed by every rotated file there is.
 */
function filesAfter(
  file: string,
  old: fs.Stats,
  strayed: boolean,
): number[] | 'strayed' | undefined {
  const ino = old.ino;
  const inoOf = (p: string): number | undefined => {
    try {
      return fs.statSync(toBytes(p)).ino;
    } catch {
      return undefined;
    }
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = inoOf(file);
    if (current === undefined || current === ino) return undefined;
    // One stat per rotated file: the first that is ours, or the first missing, ends the walk.
    let k = 1;
    let at = inoOf(`${file}.1`);
    while (k <= 10000 && at !== undefined && at !== ino) at = inoOf(`${file}.${++k}`);
    const found = at === ino;
    if (!found && old.nlink > 0 && !strayed) return 'strayed';
    const names = Array.from({ length: k - 1 }, (_, i) => `${file}.${k - 1 - i}`);
    const fds: number[] = [];
    try {
      for (const n of [...names, file]) fds.push(fs.openSync(toBytes(n), 'r'));
    } catch {
      for (const f of fds) fs.closeSync(f);
      continue;
    }
    // Another rotation while opening would have moved the names: look again.
    if (!found || inoOf(`${file}.${k}`) === ino) return fds;
    for (const f of fds) fs.closeSync(f);
  }
  return undefined;
}

/**
 * A log-type = buffer source whose new output the daemon pushes; null when the service keeps no
 * buffer. Output that arrives before a receiver is set waits for it.
 */
async function pushedSource(name: string, port: CtlPort, handle: number): Promise<Source | null> {
  let receiver: ((data: Buffer, dropped: number) => void) | undefined;
  const early: [Buffer, number][] = [];
  const initial = await port.followOutput?.(handle, (data, dropped) => {
    if (receiver) receiver(data, dropped);
    else early.push([data, dropped]);
  });
  if (initial === null || initial === undefined) return null;
  let first = true;
  return {
    name,
    partial: '',
    read() {
      const r = first ? initial : Buffer.alloc(0);
      first = false;
      return Promise.resolve(r);
    },
    push: {
      receive(onOutput) {
        receiver = onOutput;
        for (const [data, dropped] of early.splice(0)) onOutput(data, dropped);
      },
    },
  };
}

/**
 * The source of service `name`: its buffer (pushed when `pushed`), else its log file; throws
 * CliError for neither.
 */
async function sourceOf(
  ctx: CommandContext,
  name: string,
  pushed: boolean,
): Promise<Source | undefined> {
  const s = await connectAndLoad(ctx, name, 2);
  if (s === undefined) return undefined;
  if (pushed) {
    const src = await pushedSource(name, s.port, s.handle);
    if (src !== null) return src;
  } else if ((await s.port.catLog(s.handle, false)) !== null) {
    return bufferSource(name, s.port, s.handle);
  }
  const file = await serviceFilePath(s.port, s.handle, name);
  const env: Record<string, string> = {};
  for (const kv of await s.port.daemonEnvironment()) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const dir = file.slice(0, file.lastIndexOf('/'));
  const desc = loadServiceDescription(name, { serviceDirs: [dir], env });
  if (desc.logType === 'file' && desc.logfile) return fileSource(name, desc.logfile);
  throw new CliError('ENOLOG', `service '${name}' has neither log-type = buffer nor a logfile.`);
}

/** Writes lines: "<time> <service> | <message>", or JSON lines {time, service, message}. */
function lineWriter(ctx: CommandContext, width: number) {
  return (service: string, message: string): void => {
    const time = new Date().toISOString();
    ctx.out(
      ctx.cl.json
        ? jsonText({ time, service, message })
        : `${time} ${service.padEnd(width)} | ${message}\n`,
    );
  };
}

/** The complete lines of a source after `chunk`; the rest stays in `partial`. */
function takeLines(src: Source, chunk: Buffer): string[] {
  const lines = (src.partial + chunk.toString('latin1')).split('\n');
  src.partial = lines.pop() ?? '';
  return lines;
}

/**
 * With -f, whether the daemon pushes output (it speaks the dinit-ts extension). Upstream's
 * daemon answers the hello by closing the connection: a new one is made for the rest.
 */
async function daemonPushes(ctx: CommandContext): Promise<boolean> {
  if (!ctx.cl.follow) return false;
  const port = await ctx.connect();
  if ((await port.extensionVersion()) !== null) return port.followOutput !== undefined;
  await ctx.reconnect?.();
  return false;
}

/** Prints pushed output as it arrives; a drop is told by a line in the output itself. */
function receivePushed(src: Source, write: (service: string, message: string) => void): void {
  src.push?.receive((data, dropped) => {
    if (dropped > 0) {
      if (src.partial !== '') write(src.name, src.partial);
      src.partial = '';
      write(src.name, `*** dinitctl: ${dropped} bytes of output dropped (read too slowly) ***`);
    }
    for (const l of takeLines(src, data)) write(src.name, l);
  });
}

/** Run logs; resolves with the exit code (with -f, when the daemon closes the connection). */
export async function logsCommand(ctx: CommandContext): Promise<number> {
  const pushed = await daemonPushes(ctx);
  const sources: Source[] = [];
  for (const name of ctx.cl.args) {
    const src = await sourceOf(ctx, name, pushed);
    if (src === undefined) return 1;
    sources.push(src);
  }
  const last = ctx.cl.lines === undefined ? Infinity : Number(ctx.cl.lines);
  if (!(last >= 0)) throw new CliError('EUSAGE', `'${ctx.cl.lines}' is not a number of lines`);
  const write = lineWriter(ctx, Math.max(...sources.map((s) => s.name.length)));
  for (const src of sources) {
    const lines = takeLines(src, await src.read());
    for (const l of lines.slice(Math.max(0, lines.length - last))) write(src.name, l);
  }
  if (!ctx.cl.follow) {
    for (const src of sources) if (src.partial !== '') write(src.name, src.partial);
    return 0;
  }
  const port = await ctx.connect();
  let closed = false;
  const whenClosed = port.waitClosed().then(() => (closed = true));
  for (const src of sources) receivePushed(src, write);
  const polled = sources.filter((src) => src.push === undefined);
  if (polled.length === 0) await whenClosed;
  while (!closed) {
    await new Promise((r) => setTimeout(r, FOLLOW_INTERVAL_MS));
    if (closed) break;
    for (const src of polled) for (const l of takeLines(src, await src.read())) write(src.name, l);
  }
  return 0;
}
