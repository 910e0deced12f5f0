// dinit-check on the supervision extensions (ready-notification = notify, watchdog-timeout,
// restart-delay-max, restart-reset-after): one note per use, naming the file and line, and the
// checks that go with them.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'dinit-check');

/** dinit-check's merged output and exit status, as "...rc=N". */
function check(dir: string, ...names: string[]): string {
  const r = spawnSync('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', BIN, '-d', dir, ...names], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() },
    encoding: 'utf8',
  });
  return `${r.stdout}rc=${r.status}\n`;
}

describe('dinit-check and the supervision extensions', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-check-sup-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const service = (name: string, ...lines: string[]) =>
    fs.writeFileSync(path.join(dir, name), lines.join('\n') + '\n');

  it('notes ready-notification = notify and watchdog-timeout as dinit-ts extensions', () => {
    service(
      'web',
      'type = process',
      'command = /bin/sleep 100',
      'ready-notification = notify',
      'watchdog-timeout = 30',
    );
    const out = check(dir, 'web');
    const file = path.join(dir, 'web');
    expect(out).toContain(
      `Service 'web' (${file}:3): note: ready-notification value 'notify' is a dinit-ts extension, not understood by upstream Dinit`,
    );
    expect(out).toContain(
      `Service 'web' (${file}:4): note: setting 'watchdog-timeout' is a dinit-ts extension, not understood by upstream Dinit`,
    );
    expect(out).toContain('No problems found.');
    expect(out).toMatch(/rc=0\n$/);
  });

  it('accepts the sd_notify spelling too', () => {
    service('web', 'type = process', 'command = /bin/sleep 100', 'ready-notification = sd_notify');
    expect(check(dir, 'web')).toContain("note: ready-notification value 'sd_notify' is a dinit-ts");
  });

  it('refuses a watchdog without sd_notify readiness, and notify on a bgprocess', () => {
    service('dog', 'type = process', 'command = /bin/sleep 100', 'watchdog-timeout = 5');
    expect(check(dir, 'dog')).toContain(
      "'watchdog-timeout' needs 'ready-notification = notify' (WATCHDOG=1 pings).",
    );
    service(
      'bg',
      'type = bgprocess',
      'command = /bin/true',
      'pid-file = /run/bg.pid',
      'ready-notification = notify',
    );
    expect(check(dir, 'bg')).toContain(
      "readiness notification ('ready-notification') is not supported for bgprocess services.",
    );
  });

  it('notes restart-delay-max and restart-reset-after, and a cap below restart-delay', () => {
    service(
      'flappy',
      'type = process',
      'command = /bin/false',
      'restart-delay-max = 60',
      'restart-reset-after = 120',
    );
    const out = check(dir, 'flappy');
    const file = path.join(dir, 'flappy');
    for (const [line, name] of [
      [3, 'restart-delay-max'],
      [4, 'restart-reset-after'],
    ]) {
      expect(out).toContain(
        `Service 'flappy' (${file}:${line}): note: setting '${name}' is a dinit-ts extension, not understood by upstream Dinit`,
      );
    }
    expect(out).toMatch(/rc=0\n$/);
    service(
      'capped',
      'type = process',
      'command = /bin/false',
      'restart-delay = 5',
      'restart-delay-max = 1',
    );
    expect(check(dir, 'capped')).toContain(
      "'restart-delay-max' is less than 'restart-delay': there is no backoff.",
    );
  });

  it('says nothing about a file with upstream settings only', () => {
    service('plain', 'type = process', 'command = /bin/sleep 100', 'ready-notification = pipefd:3');
    expect(check(dir, 'plain')).not.toContain('dinit-ts extension');
  });
});
