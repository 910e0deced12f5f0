// The bounded in-memory buffer behind log-type = buffer (read by `dinitctl catlog`).
// Once it holds log-buffer-size bytes, further output is discarded (not rotated).

const RESTART_NOTE = '\n(dinit: note: service restarted)\n';

/** A bounded byte buffer; appends beyond the limit are dropped. */
export class LogBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(public max: number) {}

  /** Bytes currently held. */
  get length(): number {
    return this.size;
  }

  /** Append as much of chunk as fits; the rest is discarded. Returns the bytes kept. */
  append(chunk: Buffer): number {
    const room = this.max - this.size;
    if (room <= 0 || chunk.length === 0) return 0;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(Buffer.from(kept));
    this.size += kept.length;
    return kept.length;
  }

  /**
   * Note a restart in the buffer when it already holds output (the leading newline is dropped
   * when the output ended with one). Skipped when the note would not fit entirely.
   */
  noteRestart(): void {
    if (this.size === 0) return;
    const last = this.chunks[this.chunks.length - 1];
    const endsWithNl = last !== undefined && last[last.length - 1] === 0x0a;
    const note = Buffer.from(endsWithNl ? RESTART_NOTE.slice(1) : RESTART_NOTE);
    if (this.size + note.length >= this.max) return;
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
