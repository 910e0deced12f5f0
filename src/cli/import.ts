// dinitctl import (dinit-ts): reads systemd units or PM2 ecosystem files, converts them with
// src/import, and writes the descriptions (and env files) into a directory, or prints them with
// --dry-run; every directive not carried over is printed as a warning naming file and line.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandContext } from './command';
import { CliError } from '../errors';
import { strerrorCode } from '../strerror';
import { convertEcosystem } from '../import/pm2';
import { convertSystemdUnit } from '../import/systemd';
import { formatWarning, type ImportResult, type ImportedFile } from '../import/types';
import { fromText, toText } from '../bytes';

/** Read a source file; a failure is a CliError naming it. */
function readSource(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError('EREAD', `import: cannot read ${file}: ${strerrorCode(code)}`);
  }
}

/**
 * Runs an ecosystem .js file as PM2 does (it is code, run with the user's rights: require, or
 * import for an ES module), in a Node process of its own so that what it does stays there; its
 * module.exports comes back as JSON on fd 3, what it prints goes to standard error.
 */
const LOADER = `
const fs = require('node:fs');
(async () => {
  const file = process.argv[1];
  let m;
  try {
    m = require(file);
  } catch (e) {
    if (e.code !== 'ERR_REQUIRE_ESM') throw e;
    m = await import(require('node:url').pathToFileURL(file).href);
  }
  if (m !== null && typeof m === 'object' && m.default !== undefined) m = m.default;
  fs.writeSync(3, JSON.stringify(m === undefined ? null : m));
})().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\\n');
  process.exit(1);
});
`;

/** The value of an ecosystem file: its JSON, or the module.exports of its code. */
function loadEcosystem(file: string): unknown {
  if (/\.json$/i.test(file)) {
    try {
      return JSON.parse(readSource(file)) as unknown;
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError('EPARSE', `import: ${file}: ${(e as Error).message}`);
    }
  }
  if (!/\.[cm]?js$/i.test(file)) {
    throw new CliError(
      'EFORMAT',
      `import: ${file}: an ecosystem file ends in .js, .cjs, .mjs or .json`,
    );
  }
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) readSource(file);
  const r = spawnSync(process.execPath, ['-e', LOADER, abs], {
    cwd: path.dirname(abs),
    stdio: ['ignore', 2, 2, 'pipe'],
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = r.output?.[3];
  if (r.status !== 0 || out === null || out === undefined) {
    const how = r.error
      ? r.error.message
      : r.signal
        ? `signal ${r.signal}`
        : `exit status ${r.status}`;
    throw new CliError('ELOAD', `import: ${file}: running it failed (${how})`);
  }
  return JSON.parse(out.toString('utf8')) as unknown;
}

/** The converted files of one source. */
function convertOne(format: string, file: string): ImportResult {
  if (format === 'systemd') return convertSystemdUnit(readSource(file), file);
  if (format === 'pm2') {
    return convertEcosystem(loadEcosystem(file), file, {
      dir: path.dirname(path.resolve(file)),
      node: process.execPath,
      cpus: os.availableParallelism(),
    });
  }
  throw new CliError('EFORMAT', `import: unknown format '${format}' (use systemd or pm2)`);
}

/** Convert every source of the line; throws CliError when one gives nothing to write. */
function convertAll(format: string, files: readonly string[]): ImportResult[] {
  return files.map((file) => {
    const r = convertOne(format, file);
    if (r.files.length === 0) {
      const why = r.warnings.map((w) => w.message).join('; ');
      throw new CliError('ECONVERT', `import: ${file}: nothing converted: ${why}`);
    }
    return r;
  });
}

/** Refuse two sources giving the same file, and files that exist already. */
function checkTargets(dir: string, files: readonly ImportedFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.name)) {
      throw new CliError(
        'EDUP',
        `import: two sources give the file '${f.name}'; import them apart`,
      );
    }
    seen.add(f.name);
    const target = path.join(dir, f.name);
    if (fs.existsSync(target)) {
      throw new CliError(
        'EEXIST',
        `import: ${target} exists; not overwriting it (remove it, or choose another --output-dir)`,
      );
    }
  }
}

/** Write `f` into `dir` under a temporary name, then rename it into place. */
function writeAtomically(dir: string, f: ImportedFile): string {
  const target = path.join(dir, f.name);
  const temp = path.join(dir, `.${f.name}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, f.text, { mode: 0o644 });
    fs.renameSync(temp, target);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new CliError('EWRITE', `import: cannot write ${target}: ${strerrorCode(code)}`);
  }
  return target;
}

/** `dinitctl import systemd|pm2 <file>...`: resolves with the exit code. */
export async function importCommand(ctx: CommandContext): Promise<number> {
  // Arguments are byte strings and dinitctl writes byte strings (src/bytes.ts); units and
  // ecosystem files are text, read and written as UTF-8, so convert at this boundary.
  const [format, ...sources] = ctx.cl.args.map(textArg);
  const out = (t: string): void => ctx.out(fromText(t));
  const results = convertAll(format, sources);
  for (const r of results) {
    for (const w of r.warnings) ctx.err(fromText(`warning: ${formatWarning(w)}\n`));
  }
  const files = results.flatMap((r) => r.files);
  if (ctx.cl.dryRun) {
    for (const f of files) out(`==> ${f.name} <==\n${f.text}\n`);
  } else {
    const dir = textArg(ctx.cl.outputDir ?? '.');
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      throw new CliError('EWRITE', `import: cannot create ${dir}: ${strerrorCode(code)}`);
    }
    checkTargets(dir, files);
    for (const f of files) {
      const target = writeAtomically(dir, f);
      if (ctx.verbose) out(`Wrote ${target}\n`);
    }
  }
  if (ctx.verbose) for (const r of results) for (const n of r.notes) out(`${n}\n`);
  return Promise.resolve(0);
}

/** A path argument as the text Node takes; refused when its bytes are not UTF-8. */
function textArg(arg: string): string {
  const t = toText(arg);
  if (t === undefined) {
    throw new CliError(
      'EINVAL',
      `import: ${arg}: names that are not valid UTF-8 are not supported`,
    );
  }
  return t;
}
