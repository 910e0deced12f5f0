// `dinitctl --complete`: what shell completion offers, derived from the command table, the
// daemon (a fake port here) and the service directories.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMMANDS, GLOBAL_FLAGS, flagsOf } from '../../../src/cli/table';
import { FakePort, run, status } from './fake-port';

let home: string;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'dinitctl-complete-'));
  const sd = path.join(home, '.config/dinit.d');
  fs.mkdirSync(path.join(sd, 'boot.d'), { recursive: true });
  for (const name of ['boot', 'getty', 'web', '.hidden']) fs.writeFileSync(path.join(sd, name), '');
  fs.symlinkSync(path.join(sd, 'web'), path.join(sd, 'web-link'));
  fs.mkdirSync(path.join(home, 'other'));
  fs.writeFileSync(path.join(home, 'other', 'extra'), '');
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** The candidates (without descriptions) for the last of `words`; no daemon unless `port`. */
async function offered(words: string[], port?: FakePort): Promise<string[]> {
  const r = await run(['--complete', ...words], port ?? new FakePort(), { HOME: home });
  expect(r.code).toBe(0);
  return r.out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t')[0]);
}

/** A daemon with these services loaded and `dirs` as its service directories. */
function daemon(loaded: string[], dirs: string[]): FakePort {
  return new FakePort()
    .on('listServices', () => loaded.map((name) => ({ name, status: status() })))
    .on('serviceDirs', () => dirs);
}

describe('dinitctl --complete', () => {
  it('offers every subcommand of the table, and help', async () => {
    expect(await offered([''])).toEqual([...COMMANDS.map((c) => c.id), 'help']);
    expect(await offered(['-u', 'st'])).toEqual(
      COMMANDS.map((c) => c.id).filter((id) => id.startsWith('st')),
    );
    expect(await offered(['help', 'unl'])).toEqual(['unload']);
  });

  it("offers each command's flags and the global ones", async () => {
    for (const spec of COMMANDS) {
      const flags = await offered([spec.id, '--']);
      for (const f of [...flagsOf(spec), ...GLOBAL_FLAGS]) expect(flags).toContain(`--${f.name}`);
    }
    expect(await offered(['stop', '-'])).toContain('-f');
    expect(await offered(['--q'])).toEqual(['--quiet']);
  });

  it('offers choices, signal names, and asks the shell for paths', async () => {
    expect(await offered(['add-dep', 'm'])).toEqual(['milestone']);
    expect(await offered(['signal', 'US'])).toEqual(['USR1', 'USR2']);
    expect(await offered(['-p', ''])).toEqual([':files']);
    expect(await offered(['import', 's'])).toEqual(['systemd']);
    expect(await offered(['import', 'systemd', ''])).toEqual([':files']);
    expect(await offered(['import', 'systemd', '-o', ''])).toEqual([':dirs']);
    expect(await offered(['-d', '/x'])).toEqual([':dirs']);
    expect(await offered(['list', 'x'])).toEqual([]);
    expect(await offered(['nosuchcommand', ''])).toEqual([]);
  });

  it("offers the daemon's loaded services and those in its service directories", async () => {
    const port = daemon(['boot', 'getty@tty1'], [path.join(home, 'other')]);
    expect(await offered(['start', ''], port)).toEqual(['boot', 'extra', 'getty@tty1']);
    expect(port.closed).toBe(true);
  });

  it('without a daemon, offers the default directories (-d on the line replaces them)', async () => {
    const port = new FakePort(); // Any request fails: as if no daemon ran.
    expect(await offered(['enable', ''], port)).toEqual(['boot', 'getty', 'web', 'web-link']);
    expect(await offered(['-d', path.join(home, 'other'), 'enable', ''])).toEqual(['extra']);
    expect(await offered(['--from', 'g'])).toEqual(['getty']);
  });

  it('leaves an @argument of a known service as typed', async () => {
    expect(await offered(['start', 'getty@tt'])).toEqual(['getty@tt']);
    expect(await offered(['start', 'nope@tt'])).toEqual([]);
  });
});
