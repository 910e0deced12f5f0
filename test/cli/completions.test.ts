// The completion scripts of completions/ in bash, zsh and fish, each loaded through a link the
// way an install places it, with no dinitctl on PATH, against a real daemon on a temp socket.
// What they offer comes from `dinitctl --complete` (test/unit/cli/complete.test.ts covers it).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS } from '../../src/cli/table';
import { type Dinit, ROOT, isBuilt, sandboxAll } from '../support/daemon';

const DIR = path.join(ROOT, 'completions');
/** Only node (bin/dinitctl needs it) and the system's programs: no dinitctl on PATH. */
const PATH = `${path.dirname(process.execPath)}:/usr/bin:/bin`;

jest.setTimeout(60000);

const sb = sandboxAll('dinitctl-compl-');
let d: Dinit;
let links: string;

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

/** Run `script` in `shell`; its stdout as non-empty lines, descriptions cut off. */
function lines(shell: string, args: string[], script: string): string[] {
  // A home of its own, empty: no default service directory, and fish keeps its files there.
  const env = { PATH, HOME: sb.path('home') };
  const r = spawnSync(shell, [...args, script], { encoding: 'utf8', env });
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t')[0]);
}

const quote = (w: string): string => `'${w.replace(/'/g, `'\\''`)}'`;

/** Each shell: how to ask it for the completions of `words` (the last is being typed). */
const SHELLS: Record<string, (links: string, words: string[]) => string[]> = {
  bash: (links, words) =>
    lines(
      'bash',
      ['-c'],
      [
        `source ${quote(path.join(links, 'dinitctl'))}`,
        `COMP_WORDS=(${words.map(quote).join(' ')}); COMP_CWORD=${words.length - 1}`,
        '_dinitctl; printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n'),
    ),
  // Outside an interactive completion, compsys's functions are stubs that print what they get.
  zsh: (links, words) =>
    lines(
      'zsh',
      ['-fc'],
      [
        '_describe() { print -rl -- "${(@)${(P)4}%%:*}"; }',
        'compadd() { print -rl -- "${(@P)${@[-1]}}"; }',
        '_files() { print -r -- ":files $*"; }',
        `fpath=(${quote(links)} $fpath); autoload -Uz _dinitctl`,
        `words=(${words.map(quote).join(' ')}); CURRENT=${words.length}; PREFIX=${quote(words[words.length - 1])}`,
        '_dinitctl',
      ].join('\n'),
    ),
  fish: (links, words) =>
    lines(
      'fish',
      ['-c'],
      `source ${quote(path.join(links, 'dinitctl.fish'))}; complete -C ${quote(words.join(' '))}`,
    ),
};

(isBuilt() ? describe : describe.skip)('shell completion', () => {
  beforeAll(async () => {
    sb.service('boot', 'type = internal');
    sb.service('getty', 'type = internal');
    sb.service('idle', 'type = internal');
    d = await sb.start();
    expect(d.ctl('start', 'getty@tty1').status).toBe(0);
    // Links as an install makes them: the scripts find bin/dinitctl through them.
    fs.mkdirSync(sb.path('home'));
    links = sb.path('links');
    fs.mkdirSync(links);
    for (const [file, link] of [
      ['dinitctl.bash', 'dinitctl'],
      ['_dinitctl', '_dinitctl'],
      ['dinitctl.fish', 'dinitctl.fish'],
    ])
      fs.symlinkSync(path.join(DIR, file), path.join(links, link));
  });

  for (const [shell, ask] of Object.entries(SHELLS)) {
    (hasShell(shell) ? describe : describe.skip)(shell, () => {
      it('completes the subcommands of the command table', () => {
        const want = COMMAND_IDS.filter((id) => id.startsWith('st'));
        expect(ask(links, ['dinitctl', 'st']).sort()).toEqual(want.sort());
      });

      it("completes a command's flag", () => {
        expect(ask(links, ['dinitctl', 'stop', '--ign'])).toEqual(['--ignore-unstarted']);
      });

      it('completes a service that is only in the service directory, for start', () => {
        expect(d.ctl('list').stdout).not.toContain('idle');
        expect(ask(links, ['dinitctl', '-p', d.socket, 'start', 'i'])).toEqual(['idle']);
      });

      it('completes a loaded service, asking the daemon named by -p', () => {
        expect(ask(links, ['dinitctl', '-p', d.socket, 'stop', 'getty@'])).toEqual(['getty@tty1']);
      });

      it('asks the dinitctl typed when it is a path', () => {
        const typed = path.join(ROOT, 'bin', 'dinitctl');
        expect(ask(links, [typed, '-p', d.socket, 'add-dep', 'need', 'b'])).toEqual(['boot']);
      });
    });
  }
});
