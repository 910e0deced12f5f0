// Shell completion scripts: the bash one is run for real against a stub dinitctl; all three
// must name every subcommand.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMMANDS, COMMAND_IDS, GLOBAL_FLAGS, flagsOf } from '../../src/cli/table';

const DIR = path.resolve(__dirname, '../../completions');

/** Run bash completion for the words of `line` (the last word is being completed). */
function complete(line: string[], stubDir: string): string[] {
  const script = [
    `source ${JSON.stringify(path.join(DIR, 'dinitctl.bash'))}`,
    `COMP_WORDS=(${line.map((w) => JSON.stringify(w)).join(' ')})`,
    `COMP_CWORD=${line.length - 1}`,
    '_dinitctl',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: `${stubDir}:${process.env.PATH ?? '/usr/bin:/bin'}` },
  });
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('bash completion', () => {
  let stub: string;
  beforeAll(() => {
    stub = fs.mkdtempSync(path.join(os.tmpdir(), 'dinitctl-compl-'));
    // The stub records its arguments and answers `list` the way dinitctl prints it.
    fs.writeFileSync(
      path.join(stub, 'dinitctl'),
      `#!/bin/sh\necho "$@" > "${stub}/args"\nprintf '[[+]     ] boot\\n[{+}     ] sshd (pid: 12)\\n[     {X}] broken (exit status: 1)\\n'\n`,
      { mode: 0o755 },
    );
  });
  afterAll(() => fs.rmSync(stub, { recursive: true, force: true }));

  it('completes subcommands', () => {
    expect(complete(['dinitctl', 'st'], stub)).toEqual(['status', 'start', 'stop']);
  });

  it('completes service names from dinitctl list, passing on -p', () => {
    expect(complete(['dinitctl', '-p', '/s', 'start', ''], stub)).toEqual([
      'boot',
      'sshd',
      'broken',
    ]);
    expect(fs.readFileSync(path.join(stub, 'args'), 'utf8').trim()).toBe('-p /s list');
  });

  it('completes command options and dependency types', () => {
    expect(complete(['dinitctl', 'stop', '--i'], stub)).toEqual(['--ignore-unstarted']);
    expect(complete(['dinitctl', 'add-dep', 'w'], stub)).toEqual(['waits-for']);
    expect(complete(['dinitctl', 'add-dep', 'need', 'b'], stub)).toEqual(['boot', 'broken']);
  });
});

/** True when the shell is installed; otherwise says on stderr that its tests are skipped. */
function hasShell(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (!found) {
    process.stderr.write(
      `completions: SKIPPED: ${name} completion tests: ${name} is not installed ` +
        '(.ci/run installs it when run as root)\n',
    );
  }
  return found;
}

/** A stub dinitctl in a temp dir: records its arguments, answers `list` with two services. */
function makeStub(): string {
  const stub = fs.mkdtempSync(path.join(os.tmpdir(), 'dinitctl-compl-'));
  fs.writeFileSync(
    path.join(stub, 'dinitctl'),
    `#!/bin/sh\necho "$@" > "${stub}/args"\nprintf '[[+]     ] boot\\n[{+}     ] sshd (pid: 12)\\n'\n`,
    { mode: 0o755 },
  );
  return stub;
}

(hasShell('fish') ? describe : describe.skip)('fish completion', () => {
  it('completes subcommands and service names (passing on -p)', () => {
    const stub = makeStub();
    const script = `source ${path.join(DIR, 'dinitctl.fish')}; complete -C "dinitctl st"; echo sep; complete -C "dinitctl -p /s start "`;
    const r = spawnSync('fish', ['-c', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${stub}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    });
    const args = fs.readFileSync(path.join(stub, 'args'), 'utf8').trim();
    fs.rmSync(stub, { recursive: true, force: true });
    expect(r.stdout).toBe('start\nstatus\nstop\nsep\nboot\nsshd\n');
    expect(args).toBe('-p /s list');
  });
});

(hasShell('zsh') ? describe : describe.skip)('zsh completion', () => {
  it('offers service names from dinitctl list (passing on -p)', () => {
    const stub = makeStub();
    // _describe is stubbed to print what it would offer.
    const script = [
      '_describe() { print -r -- "${(P)4}"; }',
      `source ${path.join(DIR, '_dinitctl')} >/dev/null 2>&1`,
      'words=(dinitctl -p /s status ""); CURRENT=5; _dinitctl_services',
    ].join('\n');
    const r = spawnSync('zsh', ['-c', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${stub}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    });
    const args = fs.readFileSync(path.join(stub, 'args'), 'utf8').trim();
    fs.rmSync(stub, { recursive: true, force: true });
    expect(r.stdout).toBe('boot sshd\n');
    expect(args).toBe('-p /s list');
  });
});

describe('completion scripts', () => {
  for (const file of ['dinitctl.bash', '_dinitctl', 'dinitctl.fish']) {
    it(`${file} names every subcommand`, () => {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      for (const id of COMMAND_IDS)
        expect(text).toMatch(new RegExp(`(^|[\\s'"])${id}([\\s:'"]|$)`, 'm'));
    });

    it(`${file} offers every flag of the command table`, () => {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      const names = new Set([...GLOBAL_FLAGS, ...COMMANDS.flatMap(flagsOf)].map((f) => f.name));
      // fish writes long options as `-l name`, bash and zsh as `--name`.
      const missing = [...names].filter(
        (n) => !text.includes(`--${n}`) && !new RegExp(`-l ${n}\\b`).test(text),
      );
      expect(missing).toEqual([]);
    });
  }
});
