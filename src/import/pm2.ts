// PM2 ecosystem files (module.exports = { apps: [...] }, or the same as JSON) to Dinit service
// descriptions: one process service per app (an env file beside it for env), a service taking
// the instance number as its argument plus a group service for instances > 1, and a warning
// for every field that is not carried over.

import { DescriptionText, dinitWord, literalDollars, plainValue } from './dinit-text';
import { baseName, resolveIn } from './paths';
import { sdWords } from './systemd-values';
import type { ImportResult, ImportWarning, ImportedFile } from './types';

/** What the conversion needs to know of the machine that runs `dinitctl import`. */
export interface Pm2Options {
  /** The absolute directory of the ecosystem file (relative paths start there, as in PM2). */
  dir: string;
  /** The Node.js executable for node apps (PM2 runs them with its own). */
  node: string;
  /** The number of CPUs, for instances: 'max' and negative counts. */
  cpus: number;
}

/** One app of the file, with where its warnings go. */
interface App {
  raw: Record<string, unknown>;
  /** Its Dinit service name. */
  name: string;
  /** The directory it runs in (absolute). */
  cwd: string;
  d: DescriptionText;
  files: ImportedFile[];
  notes: string[];
  warn(field: string, message: string): void;
  /** The warnings about this app so far. */
  warnings: ImportWarning[];
  /** Fields handled (every other field is warned about). */
  used: Set<string>;
}

/** The interpreter PM2 picks from a script's extension ('' to run the script itself). */
const INTERPRETERS: Readonly<Record<string, string>> = {
  js: 'node',
  cjs: 'node',
  mjs: 'node',
  sh: 'bash',
  py: 'python',
  rb: 'ruby',
  php: 'php',
  pl: 'perl',
  coffee: 'coffee',
};

/** A field's value as a string, or undefined. */
function str(app: App, field: string): string | undefined {
  app.used.add(field);
  const v = app.raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  app.warn(field, 'not a string; not carried over');
  return undefined;
}

/** A field's value as a number of milliseconds, or undefined. */
function ms(app: App, field: string): number | undefined {
  const v = str(app, field);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) app.warn(field, `'${v}' is not a number of milliseconds`);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Words of a string (split like a shell, quotes grouping) or of an array. */
function words(app: App, field: string): string[] {
  app.used.add(field);
  const v = app.raw[field];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') {
    const w = sdWords(v);
    if (w !== undefined) return w;
  }
  app.warn(field, 'neither a string nor an array; not carried over');
  return [];
}

/** The command line: interpreter (and its arguments), the script, its arguments. */
function command(app: App, opts: Pm2Options): string | undefined {
  const script = str(app, 'script');
  if (script === undefined) return undefined;
  const ext = /\.([A-Za-z0-9]+)$/.exec(script)?.[1] ?? '';
  const given = str(app, 'interpreter') ?? str(app, 'exec_interpreter');
  let interpreter = given ?? INTERPRETERS[ext] ?? '';
  if (given === undefined && (ext === 'ts' || ext === 'tsx')) {
    app.warn('script', 'PM2 runs TypeScript through its own loader; give an interpreter');
  }
  if (interpreter === 'none') interpreter = '';
  if (interpreter === 'node') interpreter = opts.node;
  // A script with no path and no interpreter is a program found on PATH ("npm", "redis-server").
  const isProgram = interpreter === '' && !script.includes('/');
  const scriptPath = isProgram ? script : resolveIn(app.cwd, script);
  const iargs = [...words(app, 'interpreter_args'), ...words(app, 'node_args')];
  if (interpreter === '' && iargs.length > 0) {
    app.warn('interpreter_args', 'there is no interpreter to give them to; not carried over');
  }
  const argv = [
    ...(interpreter === '' ? [] : [interpreter, ...iargs]),
    scriptPath,
    ...words(app, 'args'),
  ];
  return argv.map((w) => dinitWord(literalDollars(w))).join(' ');
}

/** env as <name>.env beside the description. */
function environment(app: App): void {
  app.used.add('env');
  for (const k of Object.keys(app.raw).filter((f) => f.startsWith('env_'))) {
    app.used.add(k);
    app.warn(k, `used by 'pm2 start --env ${k.slice(4)}' only; merge it into env if wanted`);
  }
  const env = app.raw.env;
  if (env === undefined || env === null) return;
  if (typeof env !== 'object' || Array.isArray(env)) return app.warn('env', 'not an object');
  const lines: string[] = [];
  for (const [k, v] of Object.entries(env as Record<string, unknown>)) {
    const value = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\n\r]/.test(value)) {
      app.warn(`env.${k}`, 'an env file holds NAME=VALUE on one line; not carried over');
    } else lines.push(`${k}=${value}\n`);
  }
  const name = `${app.name}.env`;
  app.files.push({
    name,
    text: `# Environment of the service ${app.name}, from env of its PM2 app.\n${lines.join('')}`,
    kind: 'env',
  });
  app.d.set('env-file', name);
}

/** out_file, error_file and log_file as Dinit's one log file (or the log buffer). */
function logging(app: App): void {
  const path = (field: string, alias: string): string | undefined => {
    const v = str(app, field) ?? str(app, alias);
    return v === undefined ? undefined : resolveIn(app.cwd, v);
  };
  const combined = path('log_file', 'log');
  const out = path('out_file', 'output');
  const err = path('error_file', 'error');
  const log = combined ?? out ?? err;
  if (log === undefined) {
    app.d.set('log-type', 'buffer');
    app.d.comment(
      'PM2 keeps the output in ~/.pm2/logs: here it is in the log buffer (dinitctl logs).',
    );
  } else if (log !== '/dev/null') {
    const v = plainValue(log);
    if (v !== undefined) app.d.set('logfile', literalDollars(v));
  }
  for (const [field, p] of [
    ['out_file', out],
    ['error_file', err],
  ] as const) {
    if (p !== undefined && p !== log) {
      app.warn(field, `Dinit writes standard output and error to one log file (${log})`);
    }
  }
}

/** autorestart, max_restarts, restart_delay, kill_timeout, treekill, user. */
function supervision(app: App): void {
  app.used.add('autorestart');
  app.d.set('restart', app.raw.autorestart === false ? 'no' : 'yes');
  const max = str(app, 'max_restarts');
  if (max !== undefined && /^\d+$/.test(max)) {
    app.d.set('restart-limit-count', max);
    app.d.comment(
      'PM2 counts restarts that came before min_uptime; Dinit counts those within',
      'restart-limit-interval (10 s unless set).',
    );
  } else if (max !== undefined) app.warn('max_restarts', `'${max}' is not a count`);
  const delay = ms(app, 'restart_delay');
  const backoff = ms(app, 'exp_backoff_restart_delay');
  if (backoff !== undefined) {
    // PM2 grows the delay from this value up to 15 s, and starts again after 30 s of uptime.
    app.d.set('restart-delay', String(backoff / 1000));
    app.d.set('restart-delay-max', '15');
    app.d.set('restart-reset-after', '30');
    app.d.comment('PM2 makes each delay 1.5 times the one before; Dinit doubles it.');
    if (delay !== undefined) app.warn('restart_delay', 'exp_backoff_restart_delay replaces it');
  } else if (delay !== undefined) app.d.set('restart-delay', String(delay / 1000));
  const kill = ms(app, 'kill_timeout');
  if (kill !== undefined) app.d.set('stop-timeout', String(kill / 1000));
  // PM2 stops an app with SIGINT, then SIGKILL after kill_timeout.
  app.d.set('term-signal', 'INT');
  app.used.add('treekill');
  if (app.raw.treekill === false) app.d.set('options', 'signal-process-only');
  const user = str(app, 'user') ?? str(app, 'uid');
  if (user !== undefined) app.d.set('run-as', user);
}

/** Fields with no Dinit counterpart, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  watch: 'Dinit does not restart a service when files change',
  ignore_watch: 'Dinit does not watch files',
  watch_options: 'Dinit does not watch files',
  max_memory_restart: 'Dinit does not restart on memory use (see run-in-cgroup)',
  cron_restart: 'Dinit has no timed restarts (use cron with dinitctl restart)',
  min_uptime: 'Dinit counts restarts within restart-limit-interval instead',
  wait_ready: "process.send('ready') needs PM2's IPC (ready-notification = notify is Dinit's way)",
  listen_timeout: "it goes with wait_ready, PM2's IPC readiness",
  shutdown_with_message: 'Dinit stops a service with a signal',
  gid: "Dinit's run-as takes the user's own groups",
  merge_logs: 'Dinit writes one log per service',
  combine_logs: 'Dinit writes one log per service',
  log_date_format: 'Dinit does not time-stamp log lines (dinitctl logs adds times)',
  time: 'Dinit does not time-stamp log lines (dinitctl logs adds times)',
  pid_file: 'a Dinit process service needs no pid file',
  namespace: 'Dinit has no namespaces of apps',
  source_map_support: 'set it in node_args (--enable-source-maps)',
  vizion: 'Dinit does not track versions',
  post_update: 'Dinit does not track versions',
  instance_var: 'the instance number is the service argument $1',
  increment_var: 'not carried over',
  filter_env: 'Dinit passes its own environment',
  append_env_to_name: 'not carried over',
  force: 'not carried over',
  autostart: 'start it with dinitctl start, or enable it (the note says how)',
};

/** Instances: one service per instance (name@1..N) and a group service starting them all. */
function instances(app: App, opts: Pm2Options): number {
  const v = str(app, 'instances');
  str(app, 'exec_mode');
  if (app.raw.exec_mode === 'cluster' || app.raw.exec_mode === 'cluster_mode') {
    app.warn(
      'exec_mode',
      "cluster mode (one port shared through PM2's master) is not carried over: each instance " +
        'is a process of its own, so they must not listen on the same port',
    );
  }
  if (v === undefined) return 1;
  const n = v === 'max' ? 0 : Number(v);
  if (!Number.isInteger(n)) {
    app.warn('instances', `'${v}' is not a number`);
    return 1;
  }
  const count = n > 0 ? n : Math.max(1, opts.cpus + n);
  if (n <= 0)
    app.warn('instances', `${v} is ${count} on this machine (${opts.cpus} CPUs), fixed now`);
  return count;
}

/** The group service of an app with several instances. */
function groupService(app: App, count: number, file: string): ImportedFile {
  const d = new DescriptionText();
  d.comment(`Imported from the PM2 app '${app.name}' of ${file} by dinitctl import (dinit-ts):`);
  d.comment(`its ${count} instances, each ${app.name}@<n>.`);
  d.blank().set('type', 'internal');
  for (let i = 1; i <= count; i++) d.set('depends-on', `${app.name}@${i}`);
  return { name: `${app.name}-all`, text: d.toString(), kind: 'service' };
}

/** A valid Dinit service name for an app name ('' when none can be made). */
function serviceName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '');
}

/** Convert one app; returns undefined (after a warning) when it has no script. */
function convertApp(
  raw: Record<string, unknown>,
  index: number,
  file: string,
  opts: Pm2Options,
  warnings: ImportWarning[],
) {
  const script = typeof raw.script === 'string' ? raw.script : undefined;
  const given = typeof raw.name === 'string' ? raw.name : undefined;
  const label = given ?? `apps[${index}]`;
  const mine: ImportWarning[] = [];
  const warn = (field: string, message: string): void => {
    const w = { file, key: `${label}.${field}`, message };
    warnings.push(w);
    mine.push(w);
  };
  if (script === undefined) {
    warn('script', 'missing; the app is not converted');
    return undefined;
  }
  const name = serviceName(given ?? baseName(script).replace(/\.[^.]*$/, ''));
  if (name === '') {
    warn('name', 'no Dinit service name can be made of it; the app is not converted');
    return undefined;
  }
  if (given !== undefined && name !== given) warn('name', `written as the service '${name}'`);
  const cwdRaw = typeof raw.cwd === 'string' ? raw.cwd : undefined;
  const app: App = {
    raw,
    name,
    cwd: cwdRaw === undefined ? opts.dir : resolveIn(opts.dir, cwdRaw),
    d: new DescriptionText(),
    files: [],
    notes: [],
    warn,
    warnings: mine,
    used: new Set(['name', 'cwd', 'autostart']),
  };
  return writeApp(app, file, opts);
}

/** The description (and env file, group service) of one app. */
function writeApp(
  app: App,
  file: string,
  opts: Pm2Options,
): { files: ImportedFile[]; notes: string[] } {
  const { d } = app;
  const count = instances(app, opts);
  d.comment(`Imported from the PM2 app '${app.name}' of ${file} by dinitctl import (dinit-ts).`);
  if (count > 1)
    d.comment(`One instance: start it as ${app.name}@<n>; ${app.name}-all starts all.`);
  d.blank().set('type', 'process');
  d.set('command', command(app, opts) ?? '');
  d.set('working-dir', literalDollars(app.cwd));
  environment(app);
  supervision(app);
  logging(app);
  for (const field of Object.keys(app.raw)) {
    if (app.used.has(field)) continue;
    const why = UNSUPPORTED[field];
    if (why === undefined || app.raw[field] !== false) {
      app.warn(field, `${why ?? 'not supported by the import'}; not carried over`);
    }
  }
  if (app.warnings.length > 0) {
    d.blank().comment('Not carried over (see the warnings of dinitctl import):');
    for (const w of app.warnings) d.comment(`  ${w.key}: ${w.message}`);
  }
  const main: ImportedFile = { name: app.name, text: d.toString(), kind: 'service' };
  const started = count > 1 ? `${app.name}-all` : app.name;
  const notes = [
    `${app.name}: start it with: dinitctl start ${started}; at boot: dinitctl enable ${started}`,
  ];
  if (count > 1) app.files.push(groupService(app, count, file));
  return { files: [main, ...app.files], notes };
}

/**
 * Convert the value of an ecosystem file (its module.exports, or its JSON): `{ apps: [...] }`,
 * an array of apps, or one app. `file` names it in warnings and headers. Never throws; an
 * app without a script gives a warning and no file.
 */
export function convertEcosystem(config: unknown, file: string, opts: Pm2Options): ImportResult {
  const warnings: ImportWarning[] = [];
  let apps: unknown[] = [];
  if (Array.isArray(config)) apps = config;
  else if (typeof config === 'object' && config !== null) {
    const obj = config as Record<string, unknown>;
    if (Array.isArray(obj.apps)) apps = obj.apps;
    else if (obj.script !== undefined) apps = [obj];
    for (const k of Object.keys(obj).filter((key) => key !== 'apps' && obj.script === undefined)) {
      warnings.push({ file, key: k, message: 'only apps are converted; not carried over' });
    }
  }
  if (apps.length === 0) warnings.push({ file, key: 'apps', message: 'no apps in the file' });
  const files: ImportedFile[] = [];
  const notes: string[] = [];
  apps.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) {
      warnings.push({ file, key: `apps[${i}]`, message: 'not an object; not converted' });
      return;
    }
    const r = convertApp(raw as Record<string, unknown>, i, file, opts, warnings);
    if (r !== undefined) {
      files.push(...r.files);
      notes.push(...r.notes);
    }
  });
  return { files, warnings, notes };
}
