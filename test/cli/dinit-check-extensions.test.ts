// dinit-check over descriptions that use the dinit-ts log settings: each use gets a note naming
// the file and line (not understood by upstream Dinit), and the check still passes.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'dinit-check');

describe('dinit-check notes the dinit-ts log settings', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-check-ext-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints one note per extension setting and exits 0', () => {
    const sd = path.join(tmp, 'sd');
    fs.mkdirSync(sd);
    const file = path.join(sd, 'svc');
    fs.writeFileSync(
      file,
      [
        'type = process',
        'command = /bin/true',
        'log-type = buffer',
        'log-buffer-keep = newest',
        `logfile = ${path.join(tmp, 'svc.log')}`,
        'log-type = file',
        'logfile-max-size = 10M',
        'logfile-max-files = 3',
      ].join('\n') + '\n',
    );
    const r = spawnSync(BIN, ['-d', sd, 'svc'], { encoding: 'utf8' });
    expect(r.stderr).toContain(
      `Service 'svc' (${file}:4): note: setting 'log-buffer-keep' is a dinit-ts extension, ` +
        'not understood by upstream Dinit\n',
    );
    for (const [line, setting] of [
      [7, 'logfile-max-size'],
      [8, 'logfile-max-files'],
    ] as const) {
      expect(r.stderr).toContain(
        `Service 'svc' (${file}:${line}): note: setting '${setting}' is a dinit-ts extension`,
      );
    }
    expect(r.status).toBe(0);
  });
});
