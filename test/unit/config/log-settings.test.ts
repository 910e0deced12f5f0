// The dinit-ts log settings read from real description files: log-buffer-keep and the logfile
// rotation settings, their values, their errors, and the extension mark each use leaves.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadService, loadServiceDescription } from '../../../src/config/read-description';

let sd = '';
beforeEach(() => (sd = fs.mkdtempSync(path.join(os.tmpdir(), 'log-settings-'))));
afterEach(() => fs.rmSync(sd, { recursive: true, force: true }));

function load(...lines: string[]) {
  fs.writeFileSync(
    path.join(sd, 'svc'),
    ['type = process', 'command = /bin/true', ...lines].join('\n'),
  );
  return loadServiceDescription('svc', { serviceDirs: [sd], env: {} });
}

describe('dinit-ts log settings', () => {
  it('reads log-buffer-keep', () => {
    expect(load('log-buffer-keep = newest').logBufferKeep).toBe('newest');
    expect(load('log-buffer-keep = oldest').logBufferKeep).toBe('oldest');
    expect(load().logBufferKeep).toBeUndefined();
    expect(() => load('log-buffer-keep = middle')).toThrow(/log-buffer-keep must be one of/);
  });

  it('reads logfile-max-size with K, M and G suffixes', () => {
    expect(load('logfile-max-size = 1000').logfileMaxSize).toBe(1000);
    expect(load('logfile-max-size = 4K').logfileMaxSize).toBe(4096);
    expect(load('logfile-max-size = 10M').logfileMaxSize).toBe(10 * 1024 * 1024);
    expect(load('logfile-max-size = 2g').logfileMaxSize).toBe(2 * 1024 ** 3);
    expect(() => load('logfile-max-size = 1.5M')).toThrow(/number of bytes/);
    expect(() => load('logfile-max-size = -1')).toThrow(/number of bytes/);
  });

  it('reads logfile-max-files', () => {
    expect(load('logfile-max-files = 3').logfileMaxFiles).toBe(3);
    expect(load('logfile-max-files = 0').logfileMaxFiles).toBe(0);
    expect(() => load('logfile-max-files = 1001')).toThrow();
  });

  it('records each use as a dinit-ts extension, with its line', () => {
    fs.writeFileSync(
      path.join(sd, 'svc'),
      [
        'type = process',
        'command = /bin/true',
        'logfile-max-size = 1M',
        'log-buffer-keep = newest',
      ].join('\n'),
    );
    const loaded = loadService('svc', { serviceDirs: [sd], env: {} });
    expect(loaded.settings.extensions.map((x) => [x.what, x.pos.line])).toEqual([
      ["setting 'logfile-max-size'", 3],
      ["setting 'log-buffer-keep'", 4],
    ]);
  });
});
