// What each systemd directive becomes in Dinit, as a table keyed by "Section.Key": a Dinit
// setting, a dependency, a comment, a note for the user, or a warning saying why it cannot be
// carried over. A key that is not in the table is reported as not supported.

import type { DepSetting, UnitConversion } from './systemd-unit';
import {
  dinitSeconds,
  ioClassName,
  rlimitValue,
  sdBoolean,
  sdWords,
  termSignalName,
  timeSpanSeconds,
} from './systemd-values';
import type { UnitEntry } from './unit-file';

type Handler = (c: UnitConversion, e: UnitEntry) => void;

/** A time span for a Dinit duration ('infinity' is 0, no limit, for timeouts). */
function duration(...names: string[]): Handler {
  return (c, e) => {
    const s = timeSpanSeconds(e.value);
    if (s === undefined) return c.warn(e, `cannot read the time span '${e.value}'`);
    if (s === Infinity && names[0] === 'restart-delay') {
      return c.warn(e, 'an infinite restart delay has no Dinit counterpart');
    }
    for (const n of names) c.settings.set(n, s === Infinity ? '0' : dinitSeconds(s));
  };
}

/** An exec key: kept in order; an empty assignment resets the list, as in systemd. */
function execKey(): Handler {
  return (c, e) => {
    const list = c.exec.get(e.key) ?? [];
    c.exec.set(e.key, e.value === '' ? [] : [...list, e]);
  };
}

/** A key the writer reads together with others (Type=, PIDFile=, IO scheduling...). */
function single(): Handler {
  return (c, e) => void c.single.set(e.key, e);
}

/** Why units of another kind (all of one kind) cannot be Dinit dependencies. */
function otherUnitsWhy(kind: string): string {
  if (kind === 'target') return 'Dinit has no targets (depend on the services behind them)';
  if (kind === 'socket') return 'socket activation is not carried over (see socket-listen)';
  return `Dinit has no ${kind} units`;
}

/** A dependency key: each .service becomes `setting`; other units are reported. */
function dependency(setting: DepSetting, note?: string): Handler {
  return (c, e) => {
    if (note !== undefined) c.warn(e, note);
    const others = new Map<string, string[]>();
    for (const unit of e.value.split(/\s+/).filter((u) => u !== '')) {
      const name = c.value(e, unit, false);
      if (name === undefined) continue;
      const m = /^(.+)\.service$/.exec(name);
      if (m !== null) c.deps.push([setting, m[1]]);
      else {
        const kind = name.slice(name.lastIndexOf('.') + 1);
        others.set(kind, [...(others.get(kind) ?? []), name]);
      }
    }
    for (const [kind, names] of others) {
      c.warn(e, `${names.join(' ')}: ${otherUnitsWhy(kind)}; not carried over`);
    }
  };
}

/** A directive with no Dinit counterpart, reported with `why`. */
function unsupported(why: string): Handler {
  return (c, e) => c.warn(e, `${why}; not carried over`);
}

/** A directive kept as a comment (it needs no setting in Dinit). */
function asComment(why: string): Handler {
  return (c, e) => void c.carried.push(`${e.key}=${e.value}: ${why}`);
}

const restart: Handler = (c, e) => {
  const map: Readonly<Record<string, string>> = {
    no: 'no',
    always: 'yes',
    'on-failure': 'on-failure',
    'on-abnormal': 'on-failure',
    'on-abort': 'on-failure',
  };
  const v = map[e.value];
  if (v === undefined) return c.warn(e, `Restart=${e.value} has no Dinit counterpart`);
  if (e.value === 'on-abnormal' || e.value === 'on-abort') {
    c.warn(e, `written as on-failure, which also restarts after a non-zero exit status`);
  }
  c.settings.set('restart', v);
};

const environment: Handler = (c, e) => {
  if (e.value === '') return void c.env.splice(0);
  const words = sdWords(e.value);
  if (words === undefined) return c.warn(e, 'unterminated quote; not carried over');
  for (const w of words) {
    const eq = w.indexOf('=');
    const value = eq > 0 ? c.value(e, w.slice(eq + 1), false) : undefined;
    if (eq <= 0 || value === undefined) {
      c.warn(e, `'${w}' is not NAME=VALUE on one line; not carried over`);
      continue;
    }
    if (value.includes('$1')) c.warn(e, 'the instance (%i) cannot be used in an env-file');
    const at = c.env.findIndex(([k]) => k === w.slice(0, eq));
    if (at >= 0) c.env.splice(at, 1);
    c.env.push([w.slice(0, eq), value]);
  }
};

const environmentFile: Handler = (c, e) => {
  if (e.value === '') return void c.envFiles.splice(0);
  c.envFiles.push(e);
};

const user: Handler = (c, e) => {
  const v = c.value(e, e.value, false);
  if (v !== undefined) c.settings.set('run-as', v);
};

const group: Handler = (c, e) =>
  c.warn(
    e,
    "Dinit's run-as takes the user's own groups (by name) or none (by number); " +
      'a separate group is not carried over',
  );

/** Limit*= to Dinit's rlimit-*; `sizes` allows K, M, G... suffixes. */
function limit(setting: string, sizes: boolean): Handler {
  return (c, e) => {
    const v = rlimitValue(e.value, sizes);
    if (v === undefined) return c.warn(e, `cannot read the limit '${e.value}'`);
    c.settings.set(setting, v);
  };
}

/** An integer within a range for a Dinit setting. */
function integer(setting: string, min: number, max: number): Handler {
  return (c, e) => {
    const n = Number(e.value);
    if (!Number.isInteger(n) || n < min || n > max) {
      return c.warn(e, `'${e.value}' is not a number from ${min} to ${max}`);
    }
    c.settings.set(setting, String(n));
  };
}

const killSignal: Handler = (c, e) => {
  const name = termSignalName(e.value);
  if (name === undefined) return c.warn(e, `Dinit cannot stop a service with ${e.value}`);
  c.settings.set('term-signal', name);
};

const killMode: Handler = (c, e) => {
  if (e.value === 'process') c.options.push('signal-process-only');
  else if (e.value === 'control-group') {
    c.carried.push('KillMode=control-group: Dinit signals the process group of the service');
  } else {
    c.warn(e, `${e.value}: Dinit signals the process group, or with KillMode=process the process`);
  }
};

const standardOutput: Handler = (c, e) => {
  const v = e.value;
  const file = /^(file|append|truncate):(.+)$/.exec(v);
  if (file !== null) {
    const path = c.value(e, file[2], true);
    if (path !== undefined) c.settings.set('logfile', path);
    if (file[1] === 'truncate') c.warn(e, 'Dinit appends to the log file; it does not truncate it');
  } else if (v === 'null') {
    c.carried.push('StandardOutput=null: Dinit discards the output of a service without a log');
  } else if (['journal', 'syslog', 'kmsg', 'journal+console', 'syslog+console'].includes(v)) {
    c.settings.set('log-type', 'buffer');
    c.warn(e, `${v}: kept in Dinit's log buffer instead (dinitctl catlog, dinitctl logs)`);
  } else {
    c.warn(e, `${v} has no Dinit counterpart`);
  }
};

const standardError: Handler = (c, e) => {
  if (e.value === 'inherit') return;
  c.warn(e, 'Dinit sends standard error where standard output goes; not carried over');
};

const noNewPrivileges: Handler = (c, e) => {
  const b = sdBoolean(e.value);
  if (b === true) c.options.push('no-new-privs');
  else if (b === undefined) c.warn(e, `'${e.value}' is not a boolean`);
};

const ioClass: Handler = (c, e) => {
  if (ioClassName(e.value) === undefined) return c.warn(e, `unknown class '${e.value}'`);
  c.single.set(e.key, e);
};

const wantedBy: Handler = (c, e) => {
  const name = c.template ? `${c.base}@<instance>` : c.base;
  for (const target of e.value.split(/\s+/).filter((t) => t !== '')) {
    const m = /^(.+)\.service$/.exec(target);
    const from = m === null ? '' : ` --from ${m[1]}`;
    c.notes.push(`${c.base}: ${e.key}=${target}: enable it with: dinitctl enable${from} ${name}`);
    if (m === null && !/^(multi-user|default|graphical)\.target$/.test(target)) {
      c.warn(e, `${target} is a target; enabling from boot instead`);
    }
  }
};

const remainAfterExit: Handler = (c, e) => {
  if (sdBoolean(e.value) === false && c.single.get('Type')?.value === 'oneshot') {
    c.warn(e, 'a Dinit scripted service stays started after its command ends');
  }
};

const workingDirectory: Handler = (c, e) => {
  const dir = e.value.replace(/^-/, '');
  if (dir.startsWith('~')) return c.warn(e, "'~' (the user's home) has no Dinit counterpart");
  if (dir !== e.value) c.warn(e, "'-' (ignore a missing directory): in Dinit the start fails");
  const v = c.value(e, dir, true);
  if (v !== undefined) c.settings.set('working-dir', v);
};

const about: Handler = (c, e) => void c.about.push(`${e.key}: ${e.value}`);

/** Keys of the [Unit] section. */
const UNIT: ReadonlyArray<[string, Handler]> = [
  ['Description', about],
  ['Documentation', about],
  ['Requires', dependency('depends-on')],
  ['BindsTo', dependency('depends-on')],
  ['Wants', dependency('waits-for')],
  ['After', dependency('after')],
  ['Before', dependency('before')],
  ['PartOf', unsupported('Dinit has no stop/restart propagation without a dependency')],
  ['Requisite', unsupported('Dinit has no dependency that must already be started')],
  ['Conflicts', unsupported('Dinit has no conflicts between services')],
  ['DefaultDependencies', asComment('Dinit adds no implicit dependencies')],
  ['StartLimitBurst', integer('restart-limit-count', 0, 2147483647)],
  ['StartLimitIntervalSec', duration('restart-limit-interval')],
  ['StartLimitInterval', duration('restart-limit-interval')],
  ['IgnoreOnIsolate', unsupported('Dinit has no isolate')],
  ['StopWhenUnneeded', asComment('a Dinit service started as a dependency stops when unneeded')],
];

/** Keys of the [Service] section (and resource keys Dinit cannot carry). */
const SERVICE: ReadonlyArray<[string, Handler]> = [
  ['Type', single()],
  ['PIDFile', single()],
  ['ExecStart', execKey()],
  ['ExecStartPre', execKey()],
  ['ExecStartPost', execKey()],
  ['ExecStop', execKey()],
  ['ExecStopPost', execKey()],
  ['ExecReload', execKey()],
  ['ExecCondition', execKey()],
  ['Restart', restart],
  ['RestartSec', duration('restart-delay')],
  ['RestartMaxDelaySec', duration('restart-delay-max')],
  ['RestartSteps', unsupported('Dinit doubles the delay up to restart-delay-max at each restart')],
  ['TimeoutStartSec', duration('start-timeout')],
  ['TimeoutStopSec', duration('stop-timeout')],
  ['TimeoutSec', duration('start-timeout', 'stop-timeout')],
  ['StartLimitBurst', integer('restart-limit-count', 0, 2147483647)],
  ['StartLimitInterval', duration('restart-limit-interval')],
  ['StartLimitIntervalSec', duration('restart-limit-interval')],
  ['KillSignal', killSignal],
  ['KillMode', killMode],
  ['User', user],
  ['Group', group],
  ['WorkingDirectory', workingDirectory],
  ['Environment', environment],
  ['EnvironmentFile', environmentFile],
  ['LimitNOFILE', limit('rlimit-nofile', false)],
  ['LimitCORE', limit('rlimit-core', true)],
  ['LimitDATA', limit('rlimit-data', true)],
  ['LimitAS', limit('rlimit-addrspace', true)],
  ['Nice', integer('nice', -20, 19)],
  ['OOMScoreAdjust', integer('oom-score-adj', -1000, 1000)],
  ['IOSchedulingClass', ioClass],
  ['IOSchedulingPriority', single()],
  ['StandardOutput', standardOutput],
  ['StandardError', standardError],
  ['NoNewPrivileges', noNewPrivileges],
  ['RemainAfterExit', remainAfterExit],
  ['NotifyAccess', asComment("dinit-ts takes notifications from the service's own processes")],
  ['WatchdogSec', single()],
  ['RuntimeDirectory', single()],
  ['RuntimeDirectoryMode', single()],
  ['IgnoreSIGPIPE', unsupported('Dinit starts services with the default SIGPIPE action')],
  ['RestartPreventExitStatus', unsupported('Dinit restarts on any failure')],
];

/** Keys of the [Install] section: advice, not settings. */
const INSTALL: ReadonlyArray<[string, Handler]> = [
  ['WantedBy', wantedBy],
  ['RequiredBy', wantedBy],
  ['Alias', unsupported('Dinit has no aliases (a symbolic link to the file gives another name)')],
  ['Also', unsupported('install the other units yourself')],
  ['DefaultInstance', about],
];

/** Every known directive, by "Section.Key". */
export const UNIT_KEYS: ReadonlyMap<string, Handler> = new Map([
  ...UNIT.map(([k, h]): [string, Handler] => [`Unit.${k}`, h]),
  ...SERVICE.map(([k, h]): [string, Handler] => [`Service.${k}`, h]),
  ...INSTALL.map(([k, h]): [string, Handler] => [`Install.${k}`, h]),
]);
