// Keeps the manual pages in step with the code: every setting the service loader knows and every
// dinitctl subcommand (and its flags) must be a documented item, and each page must format
// cleanly with groff. The lists come from src/config and the dinitctl command table (with its
// files in commands/) at test time, never a copy.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SETTINGS } from '../../src/config/settings';
import { COMMANDS, COMMAND_IDS, flagsOf } from '../../src/cli/table';

const ROOT = path.resolve(__dirname, '../..');
const MAN_DIR = path.join(ROOT, 'man');
const COMMANDS_DIR = path.join(ROOT, 'commands');

const PAGES = [
  'dinit.8',
  'dinitctl.8',
  'dinit-service.5',
  'dinit-check.8',
  'dinit-monitor.8',
  'dinit-shutdown.8',
];

/** Font and text macros whose arguments are printed (the alternating ones join without spaces). */
const TEXT_MACROS = new Set(['B', 'I', 'BR', 'RB', 'BI', 'IB', 'IR', 'RI', 'SM', 'SB']);

/** Split a macro's argument string the way roff does: blanks separate, double quotes group. */
function macroArgs(rest: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (rest[i] === ' ' || rest[i] === '\t') i++;
    if (i >= rest.length) break;
    let arg = '';
    if (rest[i] === '"') {
      i++;
      while (i < rest.length && rest[i] !== '"') arg += rest[i++];
      i++;
    } else {
      while (i < rest.length && rest[i] !== ' ' && rest[i] !== '\t') arg += rest[i++];
    }
    args.push(arg);
  }
  return args;
}

/** The printed text of a roff escape-laden string (only the escapes the pages use). */
function unescape(s: string): string {
  return s
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\&/g, '')
    .replace(/\\e/g, '\\')
    .replace(/\\ /g, ' ')
    .replace(/\\\(aq/g, "'")
    .replace(/\\\(dq/g, '"')
    .replace(/\\\((em|en|bu)/g, '-');
}

/** The printed text of one input line: a text macro's arguments, or the line itself. */
function lineText(line: string): string {
  const m = /^\.(\w+)\s*(.*)$/.exec(line);
  if (!m) return unescape(line);
  if (!TEXT_MACROS.has(m[1])) return '';
  const args = macroArgs(m[2]);
  const sep = m[1].length === 2 ? '' : ' ';
  return unescape(args.join(sep));
}

/**
 * The items a page documents in a section: for each `.TP` paragraph, the first word of its tag
 * line (the word ends at a blank, `=`, `:` or `,`). `section` is the `.SH` title; the items of
 * its `.SS` subsections are included.
 */
function documentedItems(page: string, section: string): Set<string> {
  const items = new Set<string>();
  for (const tag of tagLines(page, section)) {
    const word = /^[^\s=:,]+/.exec(tag);
    if (word) items.add(word[0]);
  }
  return items;
}

/** Every long option (`--name`) named in the `.TP` tags of a section, wherever it is in the tag. */
function documentedLongOptions(page: string, section: string): Set<string> {
  const opts = new Set<string>();
  for (const tag of tagLines(page, section)) {
    for (const m of tag.matchAll(/--[a-z][a-z-]*/g)) opts.add(m[0]);
  }
  return opts;
}

/** The printed text of the tag line of each `.TP` paragraph in a section (and its subsections). */
function tagLines(page: string, section: string): string[] {
  const lines = page.split('\n');
  const tags: string[] = [];
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const sh = /^\.SH\s+(.*)$/.exec(lines[i]);
    if (sh) {
      inSection = macroArgs(sh[1]).join(' ') === section;
      continue;
    }
    if (inSection && /^\.TP\b/.test(lines[i])) tags.push(lineText(lines[i + 1] ?? '').trim());
  }
  return tags;
}

function readPage(name: string): string {
  return fs.readFileSync(path.join(MAN_DIR, name), 'utf8');
}

/** The dinitctl subcommands: one source file per subcommand in commands/. */
function subcommandFiles(): string[] {
  return fs
    .readdirSync(COMMANDS_DIR)
    .filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_') && f !== 'index.ts',
    )
    .sort();
}

const groffCheck = spawnSync('groff', ['--version'], { encoding: 'utf8' });
const haveGroff = groffCheck.error === undefined && groffCheck.status === 0;

describe('manual pages', () => {
  it('package.json installs exactly the six pages, and they exist', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      man: string[];
    };
    expect([...pkg.man].sort()).toEqual(PAGES.map((p) => `man/${p}`).sort());
    for (const p of PAGES) expect(fs.existsSync(path.join(MAN_DIR, p))).toBe(true);
  });

  it('the item extractor reads tags written with the different font macros', () => {
    const page = [
      '.SH OTHER',
      '.TP',
      '.B outside',
      '.SH "THE LIST"',
      '.TP',
      '.BI "alpha\\-one = " value',
      '.TP',
      '.BR beta ", " gamma',
      '.TP',
      '.BI "delta.d: " dir',
      '.TP',
      '\\fBepsilon\\fR text',
      '.PP',
      '.B not\\-an\\-item',
    ].join('\n');
    expect([...documentedItems(page, 'THE LIST')].sort()).toEqual(
      ['alpha-one', 'beta', 'delta.d', 'epsilon'].sort(),
    );
  });
});

describe('dinit-service(5)', () => {
  const page = readPage('dinit-service.5');
  const documented = documentedItems(page, 'SETTINGS');
  const settingNames = [...SETTINGS.keys()];

  it('finds the loader settings table', () => {
    // Guards against an empty or renamed table making the next test vacuous.
    expect(settingNames).toEqual(expect.arrayContaining(['type', 'command', 'depends-on']));
  });

  it.each(settingNames)('documents the setting %s in SETTINGS', (name) => {
    expect(documented.has(name)).toBe(true);
  });

  it('documents no setting that the loader does not know', () => {
    const unknown = [...documented].filter((n) => !SETTINGS.has(n));
    expect(unknown).toEqual([]);
  });
});

describe('dinitctl(8)', () => {
  const page = readPage('dinitctl.8');
  const documented = documentedItems(page, 'COMMANDS');
  const files = subcommandFiles();

  it('finds the subcommand files in commands/, one for each command of the table', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((f) => path.basename(f, '.ts'))).toEqual([...COMMAND_IDS].sort());
  });

  it.each(files)('documents the subcommand of commands/%s', (file) => {
    expect(documented.has(path.basename(file, '.ts'))).toBe(true);
  });

  it('documents no subcommand that has no file in commands/', () => {
    const names = new Set(files.map((f) => path.basename(f, '.ts')));
    expect([...documented].filter((n) => !names.has(n))).toEqual([]);
  });

  it('documents every flag of every subcommand under COMMAND OPTIONS', () => {
    const options = documentedLongOptions(page, 'COMMAND OPTIONS');
    const missing: string[] = [];
    for (const spec of COMMANDS) {
      for (const flag of flagsOf(spec)) {
        if (!options.has(`--${flag.name}`)) missing.push(`${spec.id} --${flag.name}`);
      }
    }
    // Flags shared with the general options (such as --offline) may be documented there instead.
    const general = documentedLongOptions(page, 'GENERAL OPTIONS');
    const reallyMissing = missing.filter((m) => !general.has(m.slice(m.indexOf(' ') + 1)));
    expect(reallyMissing).toEqual([]);
  });
});

/** Each program's own --help text, and the page sections that must document its options. */
const HELP_TEXTS: { page: string; sections: string[]; help: () => Promise<string> }[] = [
  {
    page: 'dinit.8',
    sections: ['OPTIONS'],
    help: async () => {
      const { parseArgs } = await import('../../src/daemon/options');
      const r = parseArgs(['--help'], { pid: 2, uid: 1000, isOpenFd: () => false });
      return r.action === 'exit' ? (r.stdout ?? '') : '';
    },
  },
  {
    page: 'dinitctl.8',
    sections: ['GENERAL OPTIONS', 'COMMAND OPTIONS'],
    help: async () => (await import('../../src/cli/help')).generalHelp(),
  },
  {
    page: 'dinit-check.8',
    sections: ['OPTIONS'],
    help: async () => {
      const { runCheck } = await import('../../src/check/main');
      let text = '';
      await runCheck(['--help'], { out: (t) => (text += t), err: (t) => (text += t) });
      return text;
    },
  },
  {
    page: 'dinit-monitor.8',
    sections: ['OPTIONS'],
    help: async () => (await import('../../src/monitor/main')).monitorHelp(),
  },
  {
    page: 'dinit-shutdown.8',
    sections: ['OPTIONS'],
    help: async () => (await import('../../src/shutdown/main')).shutdownHelp('dinit-shutdown'),
  },
];

describe('options in --help texts', () => {
  it.each(HELP_TEXTS.map((h) => [h.page, h] as const))(
    '%s documents every long option its program lists in --help',
    async (_page, h) => {
      const help = await h.help();
      const listed = [...new Set(help.match(/--[a-z][a-z-]*/g) ?? [])];
      // Guards against an empty help text making the check vacuous.
      expect(listed).toContain('--help');
      const page = readPage(h.page);
      const documented = new Set(
        h.sections.flatMap((sec) => [...documentedLongOptions(page, sec)]),
      );
      expect(listed.filter((o) => !documented.has(o))).toEqual([]);
    },
  );
});

describe('groff formatting', () => {
  if (!haveGroff) {
    it.skip('each page formats without warnings (skipped: groff is not installed)', () =>
      undefined);
    return;
  }
  it.each(PAGES)('%s formats with groff -man -ww without warnings', (p) => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', path.join(MAN_DIR, p)], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
