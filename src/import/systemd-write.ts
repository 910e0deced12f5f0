// Writing the command lines and the environment of a converted unit: command, stop-command,
// ExecStartPre= (and a oneshot's earlier ExecStart=) as scripted helper services that the
// service depends on, and Environment= as an env file beside the description.

import { DescriptionText } from './dinit-text';
import { execWords, type UnitConversion } from './systemd-unit';
import type { UnitEntry } from './unit-file';
import type { ImportedFile } from './types';

/** The env-file setting of the service, and the file to write for Environment=. */
export interface EnvironmentPlan {
  setting: string | undefined;
  file: ImportedFile | undefined;
}

/** Environment= as <service>.env beside the description; else the first EnvironmentFile=. */
export function planEnvironment(c: UnitConversion): EnvironmentPlan {
  const external = c.envFiles.map((e) => ({ e, path: e.value.replace(/^-/, '') }));
  if (c.env.length === 0) {
    for (const { e } of external.slice(1)) {
      c.warn(e, `Dinit reads one env-file; this one is not read (add its lines to the first)`);
    }
    const first = external[0];
    if (first === undefined) return { setting: undefined, file: undefined };
    if (first.path !== first.e.value) {
      c.warn(
        first.e,
        `'-' (optional): Dinit does not load the service while ${first.path} is missing ` +
          '(create it, empty if need be)',
      );
    }
    return { setting: c.value(first.e, first.path, true), file: undefined };
  }
  const name = `${c.base}.env`;
  for (const { e, path } of external) {
    c.warn(
      e,
      `Dinit reads one env-file (${name}, from Environment=); add the lines of ${path} to it`,
    );
  }
  const text =
    `# Environment of the service ${c.base}, from Environment= of the systemd unit ${c.file}.\n` +
    c.env.map(([k, v]) => `${k}=${v}\n`).join('');
  return { setting: name, file: { name, text, kind: 'env' } };
}

/** The exec entries of `key` (an empty list when the unit has none). */
function entries(c: UnitConversion, key: string): UnitEntry[] {
  return c.exec.get(key) ?? [];
}

/** A helper service that runs one ExecStartPre= (or earlier oneshot ExecStart=) line. */
function helper(
  c: UnitConversion,
  e: UnitEntry,
  name: string,
  before: { name: string; soft: boolean } | undefined,
  env: EnvironmentPlan,
): ImportedFile {
  const { words, prefixes } = execWords(c, e);
  const d = new DescriptionText();
  d.comment(
    `Imported from the systemd unit ${c.file} by dinitctl import (dinit-ts):`,
    `line ${e.line}, ${e.key}=, run before ${c.base} starts (it depends on this service).`,
  );
  d.blank().set('type', 'scripted').set('command', words.join(' '));
  // '+', '!' and '!!' run the line with full privileges: no run-as for it.
  const privileged = prefixes.some((p) => p === '+' || p === '!' || p === '!!');
  for (const k of ['run-as', 'working-dir']) {
    const v = c.settings.get(k);
    if (v !== undefined && !(privileged && k === 'run-as')) d.set(k, v);
  }
  if (env.setting !== undefined) d.set('env-file', env.setting);
  if (before !== undefined) d.set(before.soft ? 'waits-for' : 'depends-on', before.name);
  return { name, text: d.toString(), kind: 'service' };
}

/** The lines that run before the main command, each a helper service, chained in order. */
function writeHelpers(
  c: UnitConversion,
  d: DescriptionText,
  chain: UnitEntry[],
  env: EnvironmentPlan,
): ImportedFile[] {
  const files: ImportedFile[] = [];
  let prev: { name: string; soft: boolean } | undefined;
  chain.forEach((e, i) => {
    const file = chain.length === 1 ? `${c.base}-pre` : `${c.base}-pre${i + 1}`;
    files.push(helper(c, e, file, prev, env));
    const soft = /^[@:+!]*-/.test(e.value);
    prev = { name: c.template ? `${file}@$1` : file, soft };
  });
  if (prev !== undefined) d.set(prev.soft ? 'waits-for' : 'depends-on', prev.name);
  return files;
}

/** Warn about every exec key Dinit has no place for. */
function warnUnplaced(c: UnitConversion, type: string): void {
  for (const e of entries(c, 'ExecStartPost')) {
    c.warn(e, 'Dinit has no command run after the start; not carried over');
  }
  for (const e of entries(c, 'ExecStopPost')) {
    c.warn(e, 'Dinit has no command run after the stop; not carried over');
  }
  for (const e of entries(c, 'ExecReload')) {
    c.warn(e, 'Dinit has no reload action (send a signal with dinitctl signal); not carried over');
  }
  for (const e of entries(c, 'ExecCondition')) {
    c.warn(e, 'Dinit has no start condition; not carried over');
  }
  if (type !== 'scripted') {
    for (const e of entries(c, 'ExecStart').slice(1)) {
      c.warn(e, 'more than one ExecStart= is for Type=oneshot only; not carried over');
    }
  }
}

/**
 * RuntimeDirectory= as lines for helper services: Dinit creates no directories, so a helper
 * run as root ('+') makes them under /run with RuntimeDirectoryMode=, and gives them to User=.
 * systemd also removes them when the service stops; that is not carried over.
 */
function runtimeDirectories(c: UnitConversion): UnitEntry[] {
  const e = c.single.get('RuntimeDirectory');
  if (e === undefined) return [];
  const modeEntry = c.single.get('RuntimeDirectoryMode');
  const mode = modeEntry?.value ?? '0755';
  if (!/^[0-7]{3,4}$/.test(mode)) {
    c.warn(modeEntry as UnitEntry, `'${mode}' is not an octal mode; not carried over`);
    return [];
  }
  const dirs = e.value.split(/\s+/).filter((d) => d !== '' && !d.includes('..'));
  if (dirs.length === 0) return [];
  const paths = dirs.map((d) => `/run/${d}`).join(' ');
  const lines = [{ ...e, value: `+/bin/mkdir -p -m ${mode} ${paths}` }];
  const user = c.settings.get('run-as');
  if (user !== undefined) lines.push({ ...e, value: `+/bin/chown ${user} ${paths}` });
  c.carried.push(
    `RuntimeDirectory=${e.value}: made by a helper service before the start; not removed on stop`,
  );
  return lines;
}

/** command, stop-command and the helper services of the unit; returns the helper files. */
export function writeCommands(
  c: UnitConversion,
  d: DescriptionText,
  type: string,
  env: EnvironmentPlan,
): ImportedFile[] {
  const starts = entries(c, 'ExecStart');
  const oneshot = c.single.get('Type')?.value === 'oneshot';
  const main = oneshot ? starts[starts.length - 1] : starts[0];
  const chain = [
    ...runtimeDirectories(c),
    ...entries(c, 'ExecStartPre'),
    ...(oneshot ? starts.slice(0, -1) : []),
  ];
  warnUnplaced(c, oneshot ? 'scripted' : type);
  const { words, prefixes } = execWords(c, main);
  if (prefixes.includes('-') && type === 'scripted') {
    c.warn(main, "'-' (ignore a failure): in Dinit a failing command fails the start");
  }
  d.set('command', words.join(' '));
  const stops = entries(c, 'ExecStop');
  for (const e of stops.slice(1)) c.warn(e, 'Dinit runs one stop-command; not carried over');
  if (stops.length > 0) {
    const stop = execWords(c, stops[0]).words;
    if (stop.some((w) => w.includes('MAINPID'))) {
      c.warn(stops[0], 'Dinit does not set $MAINPID; left to term-signal, not carried over');
    } else d.set('stop-command', stop.join(' '));
  }
  const pid = c.single.get('PIDFile');
  if (pid !== undefined && type === 'bgprocess') {
    const v = c.value(pid, pid.value, true);
    if (v !== undefined) d.set('pid-file', v);
  } else if (pid !== undefined)
    c.warn(pid, 'a pid file is used for Type=forking only; not carried over');
  return writeHelpers(c, d, chain, env);
}
