// The log-type = buffer store: upstream's discard-when-full, and log-buffer-keep = newest, which
// drops whole old lines so that the buffer always ends with the latest output.

import { LogBuffer } from '../../../src/core/log-buffer';

const b = (s: string) => Buffer.from(s);

describe('LogBuffer keeping the oldest output (upstream)', () => {
  it('discards what does not fit once full', () => {
    const buf = new LogBuffer(10);
    buf.append(b('line 1\n'));
    buf.append(b('line 2\n'));
    buf.append(b('line 3\n'));
    expect(buf.contents().toString()).toBe('line 1\nlin');
  });
});

describe('LogBuffer keeping the newest output', () => {
  it('drops whole old lines to make room for new ones', () => {
    const buf = new LogBuffer(16, 'newest');
    for (let i = 1; i <= 9; i++) buf.append(b(`line ${i}\n`));
    expect(buf.contents().toString()).toBe('line 8\nline 9\n');
  });

  it('never holds more than its size, whatever the chunking', () => {
    const buf = new LogBuffer(100, 'newest');
    let all = '';
    for (let i = 0; i < 500; i++) {
      const piece = `entry ${i}\n`.repeat((i % 7) + 1).slice(0, (i * 13) % 40);
      all += piece;
      buf.append(b(piece));
      expect(buf.length).toBeLessThanOrEqual(100);
      const text = buf.contents().toString();
      expect(all.endsWith(text)).toBe(true);
    }
  });

  it('starts at a line beginning when a line end follows the cut', () => {
    const buf = new LogBuffer(12, 'newest');
    buf.append(b('aaaa\nbbbb\n'));
    buf.append(b('cc\n'));
    expect(buf.contents().toString()).toBe('bbbb\ncc\n');
  });

  it('keeps the tail of a line longer than the buffer', () => {
    const buf = new LogBuffer(8, 'newest');
    buf.append(b('0123456789abcdef\n'));
    expect(buf.contents().toString()).toBe('abcdef\n'.padStart(8, '9'));
  });

  it('makes room for the restart note', () => {
    const buf = new LogBuffer(60, 'newest');
    buf.append(b('x'.repeat(20) + '\n' + 'y'.repeat(15) + '\n'));
    buf.noteRestart();
    expect(buf.contents().toString()).toBe('y'.repeat(15) + '\n(dinit: note: service restarted)\n');
  });

  it('can be cleared and filled again', () => {
    const buf = new LogBuffer(10, 'newest');
    buf.append(b('0123456789'));
    buf.clear();
    buf.append(b('ab\n'));
    expect(buf.contents().toString()).toBe('ab\n');
  });
});
