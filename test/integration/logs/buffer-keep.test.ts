// log-buffer-keep through the real daemon: with newest, catlog shows the latest whole lines of a
// service that wrote far more than log-buffer-size; the default keeps upstream's oldest output.

import * as path from 'node:path';
import { FIXTURES, isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

jest.setTimeout(60000);

(isBuilt() ? describe : describe.skip)('log-buffer-keep (real daemon)', () => {
  const sb = sandboxEach('dinit-keep-');
  let d: Dinit;

  it('keeps the newest whole lines once the buffer is full', async () => {
    sb.service(
      'newest',
      'type = process',
      `command = ${path.join(FIXTURES, 'numbered.sh')} 2000`,
      'log-type = buffer',
      'log-buffer-size = 100',
      'log-buffer-keep = newest',
    );
    d = await sb.start(['newest']);
    await eventually('the last line in the buffer', () =>
      d.ctl('catlog', 'newest').stdout.endsWith('line 2000\nend\n'),
    );
    const text = d.ctl('catlog', 'newest').stdout;
    expect(text.length).toBeLessThanOrEqual(100);
    const lines = text.split('\n');
    // Whole lines only, consecutive, ending with the last ones written.
    const numbers = lines.slice(0, -2).map((l) => Number(/^line (\d+)$/.exec(l)?.[1]));
    expect(numbers.every((n, i) => n === 2000 - (numbers.length - 1) + i)).toBe(true);
    expect(text.length + numbers[0].toString().length + 6).toBeGreaterThan(100);
  });

  it('keeps the oldest output by default and with log-buffer-keep = oldest', async () => {
    for (const name of ['plain', 'oldest']) {
      sb.service(
        name,
        'type = process',
        `command = ${path.join(FIXTURES, 'numbered.sh')} 200`,
        'log-type = buffer',
        'log-buffer-size = 30',
        ...(name === 'oldest' ? ['log-buffer-keep = oldest'] : []),
      );
    }
    d = await sb.start(['plain', 'oldest']);
    for (const name of ['plain', 'oldest']) {
      await eventually('a full buffer', () => d.ctl('catlog', name).stdout.length >= 30);
      expect(d.ctl('catlog', name).stdout).toBe(
        'line 1\nline 2\nline 3\nline 4\nli\n(last line is truncated or incomplete)\n',
      );
    }
  });
});
