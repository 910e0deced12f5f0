// systemd .service units to Dinit service descriptions: one description per unit (plus helper
// services for ExecStartPre= and an env file for Environment=), and a warning, naming the line
// and the key, for every directive that is not carried over or only in part.

import { DescriptionText } from './dinit-text';
import { UNIT_KEYS } from './systemd-keys';
import { dinitSeconds, ioClassName, timeSpanSeconds } from './systemd-values';
import { UnitConversion } from './systemd-unit';
import { planEnvironment, writeCommands } from './systemd-write';
import { readUnitFile, type UnitEntry } from './unit-file';
import type { ImportResult, ImportedFile } from './types';

/** The Dinit name of a unit file's base name, or undefined for a unit that is no service. */
function serviceNameOf(unit: string): { base: string; template: boolean } | undefined {
  const m = /^(.+?)(@([^@]*))?\.service$/.exec(unit);
  if (m === null) return undefined;
  return { base: m[1], template: m[2] !== undefined };
}

/** Why a directive that is not in the key table is not carried over. */
function unknownKeyWhy(e: UnitEntry): string {
  if (!['Unit', 'Service', 'Install'].includes(e.section)) {
    return `[${e.section}] is not a section of a .service unit`;
  }
  if (/^(Condition|Assert)/.test(e.key)) return 'Dinit has no start conditions';
  if (/^Limit/.test(e.key)) return 'Dinit sets the limits NOFILE, CORE, DATA and AS only';
  if (SANDBOX_KEY.test(e.key)) return 'sandboxing and confinement have no Dinit counterpart';
  if (RESOURCE_KEY.test(e.key))
    return 'resource control: use run-in-cgroup with a cgroup you set up';
  return 'not supported by the import';
}

const SANDBOX_KEY =
  /^(Protect|Private|Restrict|Capability|Ambient|ReadWrite|ReadOnly|Inaccessible|Exec(Paths|Search)|NoExec|SystemCall|Lock|MemoryDeny|RemoveIPC|DynamicUser|IPAddress|Device|Root|BindPaths|BindReadOnly|TemporaryFileSystem|Secure|SELinux|AppArmor|SmackProcess|KeyringMode|Umask|Personality|UMask)/;
const RESOURCE_KEY =
  /^(CPU|Memory|Tasks|IO(?!Scheduling)|Slice|Delegate|Startup|Allowed|Managed|BlockIO)/;

/** Apply every assignment of the unit to `c` through the key table. */
function gather(c: UnitConversion, entries: readonly UnitEntry[]): void {
  for (const e of entries) {
    const handle = UNIT_KEYS.get(`${e.section}.${e.key}`);
    if (handle !== undefined) handle(c, e);
    else c.warn(e, `${unknownKeyWhy(e)}; not carried over`);
  }
}

/** The Dinit service type for Type= and the exec lines, with the warnings it takes. */
function serviceType(c: UnitConversion): 'process' | 'bgprocess' | 'scripted' | 'internal' {
  const t = c.single.get('Type');
  const type = t?.value ?? 'simple';
  const starts = c.exec.get('ExecStart') ?? [];
  if (starts.length === 0) {
    c.warnings.push({
      file: c.file,
      key: 'ExecStart',
      message: 'the unit has no ExecStart=; written as an internal service',
    });
    return 'internal';
  }
  switch (type) {
    case 'simple':
    case 'exec':
      return 'process';
    case 'oneshot':
      return 'scripted';
    case 'forking':
      if (c.single.has('PIDFile')) return 'bgprocess';
      c.warn(
        t as UnitEntry,
        'forking without PIDFile=: written as a scripted service; Dinit will not supervise the ' +
          'daemon, and stops it only through ExecStop= (better: run it in the foreground)',
      );
      return 'scripted';
    case 'notify':
    case 'notify-reload':
      // dinit-ts speaks sd_notify (an extension upstream Dinit refuses; dinit-check notes it).
      c.settings.set('ready-notification', 'notify');
      if (type === 'notify-reload') {
        c.warn(t as UnitEntry, 'the reload part of notify-reload is not carried over');
      }
      return 'process';
    default:
      c.warn(t as UnitEntry, `${type}: written as a process service, started as soon as it runs`);
      return 'process';
  }
}

/** Settings that come from several keys, or from systemd's defaults where Dinit's differ. */
function finishSettings(c: UnitConversion, type: string): void {
  const watchdog = c.single.get('WatchdogSec');
  if (watchdog !== undefined) {
    const secs = timeSpanSeconds(watchdog.value);
    if (!c.settings.has('ready-notification')) {
      c.warn(watchdog, 'a watchdog needs Type=notify; not carried over');
    } else if (secs === undefined)
      c.warn(watchdog, `cannot read the time span '${watchdog.value}'`);
    else c.settings.set('watchdog-timeout', secs === Infinity ? '0' : dinitSeconds(secs));
  }
  // Dinit restarts a service by default; systemd does not.
  if (!c.settings.has('restart') && (type === 'process' || type === 'bgprocess')) {
    c.settings.set('restart', 'no');
  }
  const cls = c.single.get('IOSchedulingClass');
  const prio = c.single.get('IOSchedulingPriority');
  if (prio !== undefined && !/^[0-7]$/.test(prio.value)) {
    c.warn(prio, `'${prio.value}' is not a priority from 0 to 7`);
  }
  const level = prio !== undefined && /^[0-7]$/.test(prio.value) ? prio.value : '4';
  const name = cls === undefined ? undefined : ioClassName(cls.value);
  if (name === 'idle' || (name === 'none' && prio === undefined)) c.settings.set('ioprio', name);
  else if (name !== undefined || prio !== undefined) {
    c.settings.set('ioprio', `${name === 'realtime' ? 'realtime' : 'best-effort'}:${level}`);
  }
}

/** The description text of the unit, with the helper files it needs. */
function writeUnit(c: UnitConversion, source: string): ImportedFile[] {
  const type = serviceType(c);
  const d = new DescriptionText();
  d.comment(`Imported from the systemd unit ${source} by dinitctl import (dinit-ts).`);
  if (c.template) d.comment(`A template: start it as ${c.base}@<instance>; $1 is the instance.`);
  d.comment(...c.about);
  d.blank().set('type', type);
  const env = planEnvironment(c);
  const files: ImportedFile[] = [];
  if (type !== 'internal') files.push(...writeCommands(c, d, type, env));
  finishSettings(c, type);
  for (const [k, v] of c.settings) d.set(k, v);
  if (c.options.length > 0) d.set('options', c.options.join(' '));
  if (env.setting !== undefined) d.set('env-file', env.setting);
  if (env.file !== undefined) files.push(env.file);
  for (const [k, v] of c.deps) d.set(k, v);
  if (c.carried.length > 0) d.blank().comment(...c.carried);
  if (c.warnings.length > 0) {
    d.blank().comment('Not carried over (see the warnings of dinitctl import):');
    for (const w of [...c.warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) {
      d.comment(`  ${w.line === undefined ? '' : `line ${w.line}: `}${w.key}: ${w.message}`);
    }
  }
  return [{ name: c.base, text: d.toString(), kind: 'service' }, ...files];
}

/**
 * Convert the text of a systemd unit. `file` is the path as given (for messages and the
 * header). Returns the files to write, the warnings, and notes (how to enable it). A unit that
 * is not a .service gives no files and one warning.
 */
export function convertSystemdUnit(text: string, file: string): ImportResult {
  const unit = file.slice(file.lastIndexOf('/') + 1);
  const name = serviceNameOf(unit);
  if (name === undefined) {
    return {
      files: [],
      warnings: [{ file, key: unit, message: 'only .service units are converted' }],
      notes: [],
    };
  }
  const c = new UnitConversion(file, unit, name.base, name.template);
  const parsed = readUnitFile(text);
  for (const p of parsed.problems) {
    c.warnings.push({ file, line: p.line, key: '(syntax)', message: p.message });
  }
  gather(c, parsed.entries);
  const files = writeUnit(c, file);
  const warnings = [...c.warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { files, warnings, notes: c.notes };
}
