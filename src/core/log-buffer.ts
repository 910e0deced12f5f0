// The bounded in-memory buffer behind log-type = buffer (read by `dinitctl catlog`).
// Once it holds log-buffer-size bytes, further output is discarded (upstream), or, with
// log-buffer-keep = newest (dinit-ts), whole old lines are dropped to make room for it.

const RESTART_NOTE = '\n(dinit: note: service restarted)\n';

/** Which end of the output a full buffer keeps. */
export type LogBufferKeep = 'oldest' | 'newest';

/** A bounded byte buffer; never holds more than `max` bytes. */
export class LogBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    public max: number,
    public keep: LogBufferKeep = 'oldest',
  ) {}

  /** Bytes currently held. */
  get length(): number {
    return this.size;
  }

  /**
   * Append chunk. Keeping the oldest output, as much of it as fits is kept and the rest is
   * discarded; keeping the newest, all of it is kept and old output is dropped from the front.
   * Returns the bytes of chunk kept.
   */
  append(chunk: Buffer): number {
    if (chunk.length === 0 || this.max <= 0) return 0;
    if (this.keep === 'newest') {
      this.chunks.push(Buffer.from(chunk));
      this.size += chunk.length;
      if (this.size > this.max) this.dropFront(this.size - this.max);
      // Many small writes: one chunk, so that dropping from the front stays cheap.
      if (this.chunks.length > 256) this.chunks = [Buffer.concat(this.chunks, this.size)];
      return Math.min(chunk.length, this.size);
    }
    const room = this.max - this.size;
    if (room <= 0) return 0;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(Buffer.from(kept));
    this.size += kept.length;
    return kept.length;
  }

  /**
   * Drops at least `excess` bytes from the front, and then the rest of the line cut into, so that
   * the buffer starts at the beginning of a line. When what remains after the first `excess`
   * bytes holds no line end (one line longer than the buffer), only `excess` bytes go.
   */
  private dropFront(excess: number): void {
    let cut = excess;
    const nl = this.indexOfNewline(excess);
    if (nl >= 0) cut = nl + 1;
    let dropped = 0;
    while (this.chunks.length > 0 && dropped + this.chunks[0].length <= cut) {
      dropped += this.chunks[0].length;
      this.chunks.shift();
    }
    if (dropped < cut && this.chunks.length > 0) {
      // Copy, so that the dropped part of a large chunk is not kept alive by a view of it.
      this.chunks[0] = Buffer.from(this.chunks[0].subarray(cut - dropped));
    }
    this.size -= cut;
  }

  /** Offset of the first '\n' at or after `from` that is not the buffer's last byte, or -1. */
  private indexOfNewline(from: number): number {
    let base = 0;
    for (const c of this.chunks) {
      if (base + c.length > from) {
        const i = c.indexOf(0x0a, Math.max(0, from - base));
        if (i >= 0) return base + i + 1 < this.size ? base + i : -1;
      }
      base += c.length;
    }
    return -1;
  }

  /**
   * Note a restart in the buffer when it already holds output (the leading newline is dropped
   * when the output ended with one). Keeping the oldest output, skipped when the note would not
   * fit entirely.
   */
  noteRestart(): void {
    if (this.size === 0) return;
    const last = this.chunks[this.chunks.length - 1];
    const endsWithNl = last !== undefined && last[last.length - 1] === 0x0a;
    const note = Buffer.from(endsWithNl ? RESTART_NOTE.slice(1) : RESTART_NOTE);
    if (this.keep === 'oldest' && this.size + note.length >= this.max) return;
    if (note.length >= this.max) return;
    this.append(note);
  }

  /** The whole content. */
  contents(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }
}
