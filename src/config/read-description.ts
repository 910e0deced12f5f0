// Loads one service description: finds the file, reads it line by line through @include
// fragments, applies each setting, reads the env-file, then finalises into a ServiceDescription.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentRules, readEnvFileRules } from './env-file';
import { isSpace, readConfigName, readSettingValue, skipWsLn, type SettingOp } from './lexer';
import { joinServicePath, serviceBaseName } from './service-dirs';
import {
  defaultSettings,
  processSettingLine,
  validateServiceName,
  type ServiceSettings,
} from './settings';
import { fromText, toBytes } from '../bytes';
import { errnoText } from '../strerror';
import {
  ConfigFileRefused,
  type ConfigFileFacts,
  MAX_CONFIG_LINE_BYTES,
  readConfigFile,
  readFailureText,
} from './read-file';
import {
  DEFAULT_SERVICE_OPTIONS,
  type DependencySpec,
  type ServiceDescription,
  type ServiceOptions,
} from './types';
import { systemUserDb, type UserDb } from './users';
import { substituteString, substituteVars, type VarResolver } from './var-subst';
import type { DependencyType } from '../model';
import {
  ServiceLoadError,
  type LoadFailure,
  DescriptionError,
  LoadProblem,
  type FilePos,
  EnvFileError,
} from '../errors';

/** Options for loading a description. */
export interface LoadServiceOptions {
  /** Directories searched in order for a file named after the service's base name. */
  serviceDirs: string[];
  /** Dinit's environment (used for pre-load substitution and, under env-file values, for the rest). */
  env: Record<string, string>;
  /** User/group database for run-as, socket-uid and the like (default: /etc/passwd, /etc/group). */
  userDb?: UserDb;
  /** Directory relative paths are taken from where upstream uses dinit's own cwd (default process.cwd()). */
  cwd?: string;
  /** Receives non-fatal warnings in upstream's words (e.g. an unreadable .d directory). */
  onWarning?: (message: string) => void;
}

/**
 * Hooks used by dinit-check to report problems and carry on rather than fail at the first one.
 * Without them, the first problem throws.
 */
export interface CheckHooks {
  /** A problem in one setting line; loading continues with the next line. */
  lineError(e: DescriptionError): void;
  /** A problem found when finalising (e.g. "'command' setting not specified."). */
  error(message: string): void;
  /** A lint warning (message without the "warning: " prefix). */
  lint(message: string): void;
  /** Called whenever a named variable is looked up (dinit-check warns once per service). */
  varLookup(): void;
  /** A .d directory that could not be read (directory as written, strerror text). */
  depDirError(dir: string, reason: string): void;
  /** The description file was found but could not be read (strerror text). */
  readError(reason: string): void;
}

/** The result of loading, with the parts dinit-check inspects beyond the description. */
export interface LoadedService {
  description: ServiceDescription;
  settings: ServiceSettings;
  /** The description file path as upstream names it (directory as given + '/' + base name). */
  fileAsNamed: string;
  /** The service directory as given in the search list. */
  serviceDirAsGiven: string;
  /** The logfile after substitution, before being made absolute ('' if none). */
  logfileSubst: string;
}

/** How deeply @include files may nest (the top-level file counts as one). */
const MAX_INCLUDE_DEPTH = 128;

interface Frame {
  file: string;
  lines: string[];
  /** Number of lines consumed so far (the 1-based number of the last line read). */
  lineNum: number;
  /** Directory relative @include and env-file paths resolve against. */
  resolveDir: string;
  /** Directory relative .d paths resolve against. */
  fragmentDir: string;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Real directories found during the current synchronous job (loading a service and all it
 * depends on): one realpath per directory rather than one per file. Emptied when the job ends,
 * so a symlink changed later is seen.
 */
const realDirs = new Map<string, string>();

function realDir(dir: string): string {
  let real = realDirs.get(dir);
  if (real === undefined) {
    if (realDirs.size === 0) queueMicrotask(() => realDirs.clear());
    real = fs.realpathSync.native(toBytes(dir), { encoding: 'latin1' });
    realDirs.set(dir, real);
  }
  return real;
}

/**
 * The real directory holding a file (a symlinked file resolves to its target's directory);
 * `symlink` says whether the file's path is a link, as its read found (readConfigFile).
 */
function realParentDir(file: string, symlink: boolean | undefined): string {
  try {
    // A file that is not a symlink lies in its directory's real path; only a symlinked one
    // needs a realpath of its own.
    if (symlink === false) {
      const slash = file.lastIndexOf('/');
      if (slash > 0) return realDir(file.slice(0, slash));
    }
    return path.dirname(fs.realpathSync.native(toBytes(file), { encoding: 'latin1' }));
  } catch {
    return path.dirname(path.resolve(fromText(process.cwd()), file));
  }
}

function lookupIn(env: Readonly<Record<string, string>>): VarResolver {
  return (n) => (Object.prototype.hasOwnProperty.call(env, n) ? env[n] : undefined);
}

/** Directory entries in the order the file system returns them (as readdir(3) does), as bytes. */
function readDirRaw(dir: string): string[] {
  const d = fs.opendirSync(toBytes(dir), { encoding: 'latin1' });
  const names: string[] = [];
  try {
    for (let ent = d.readSync(); ent !== null; ent = d.readSync()) names.push(ent.name);
  } finally {
    d.closeSync();
  }
  return names;
}

/** Upstream's parent_path(): '' for a bare name, '/' for a file in the root. */
function parentPath(p: string): string {
  let s = p.lastIndexOf('/');
  if (s === -1) return '';
  while (s > 0 && p[s - 1] === '/') s--;
  if (s === 0) return '/';
  return p.slice(0, s);
}

/** Upstream's combine_paths(). */
function combinePaths(p1: string, p2: string): string {
  if (p2 === '') return p1;
  if (p1 === '') return p2;
  if (p2[0] === '/') return p2;
  return p1.endsWith('/') ? p1 + p2 : `${p1}/${p2}`;
}

function toFailure(e: unknown, name: string): LoadFailure {
  if (e instanceof ServiceLoadError) return e.failure;
  if (e instanceof DescriptionError) {
    return {
      kind: 'description',
      name: e.serviceName ?? name,
      message: e.message,
      file: e.pos?.file,
      line: e.pos?.line,
      setting: e.setting,
    };
  }
  if (e instanceof LoadProblem) return { kind: 'load', name: e.serviceName, message: e.message };
  throw e;
}

/** A description file found in a service directory, with its text and modification time. */
interface OpenedDescription {
  /** The path as upstream names it (directory as given + '/' + base name). */
  file: string;
  /** The service directory as given in the search list. */
  dir: string;
  text: string;
  mtimeMs?: number;
  mtimeNs?: bigint;
  /** The description's path is a symbolic link. */
  symlink?: boolean;
}

/**
 * Find and open the description of `name`. Throws ServiceLoadError 'not-found' when no
 * directory has it, 'load' ("<path>: <strerror>") when one exists but cannot be read.
 */
function openDescription(
  name: string,
  baseName: string,
  serviceDirs: readonly string[],
  hooks?: CheckHooks,
): OpenedDescription {
  let failPath: string | undefined;
  let failCode: unknown;
  for (const dir of serviceDirs) {
    const file = joinServicePath(dir, baseName);
    try {
      // The nanosecond time as loaded, from the fstat of the read: the control server reports
      // it, so dinitctl's own stat() compares equal unless the file really changed.
      const facts: ConfigFileFacts = {};
      const text = readConfigFile(file, 'latin1', facts);
      const mtimeNs = facts.mtimeNs;
      const mtimeMs =
        mtimeNs === undefined
          ? undefined
          : Number(mtimeNs / 1000000n) + Number(mtimeNs % 1000000n) / 1e6;
      return { file, dir, text, mtimeMs, mtimeNs, symlink: facts.symlink };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || e instanceof ConfigFileRefused) {
        // The file opened (a directory opens fine) but cannot be read, or is refused (not a
        // regular file, too large): the search stops here, as upstream's does.
        if (hooks) {
          hooks.readError(readFailureText(e));
          throw new LoadProblem(`${file}: error while reading service description`, name);
        }
        throw new LoadProblem(`${file}: ${readFailureText(e)}`, baseName);
      }
      if (code !== 'ENOENT' && failPath === undefined) {
        failPath = file;
        failCode = e;
      }
    }
  }
  if (failPath === undefined) throw new ServiceLoadError({ kind: 'not-found', name: baseName });
  throw new ServiceLoadError({
    kind: 'load',
    name: baseName,
    message: `${failPath}: ${errnoText(failCode)}`,
  });
}

/**
 * Load and validate the description of service `name` (which may be `base@argument`).
 *
 * Returns the ServiceDescription with commands split and substituted, durations in ms and paths
 * made absolute. Dependencies are listed by name (not loaded). Throws ServiceLoadError with
 * failure kind 'not-found', 'description' (file, line and/or setting, message in upstream's
 * words) or 'load' (finalisation checks, unreadable include or env-file).
 */
export function loadServiceDescription(name: string, opts: LoadServiceOptions): ServiceDescription {
  return loadService(name, opts).description;
}

/**
 * As loadServiceDescription, but also returns the intermediate settings; with `hooks`
 * (dinit-check), problems are reported through them and loading carries on where upstream's
 * checker carries on.
 */
export function loadService(
  name: string,
  opts: LoadServiceOptions,
  hooks?: CheckHooks,
): LoadedService {
  try {
    return loadServiceInner(name, opts, hooks);
  } catch (e) {
    throw new ServiceLoadError(toFailure(e, hooks ? name : serviceBaseName(name)));
  }
}

/** What reading one description carries from line to line and into finalising. */
interface Reading {
  fullName: string;
  /** The service argument (after '@'), if any. */
  argval: string | undefined;
  /** The name messages use: dinit-check names services by full name, the daemon by base name. */
  msgName: string;
  opts: LoadServiceOptions;
  hooks: CheckHooks | undefined;
  cwd: string;
  userDb: UserDb;
  opened: OpenedDescription;
  settings: ServiceSettings;
  /** Resolves variables before the env-file is read: Dinit's own environment. */
  preResolve: VarResolver;
  enableVia: string | undefined;
  /** The fragments being read: the description file, then each @include inside the last. */
  stack: Frame[];
}

function loadServiceInner(
  fullName: string,
  opts: LoadServiceOptions,
  hooks?: CheckHooks,
): LoadedService {
  const at = fullName.indexOf('@');
  const baseName = at === -1 ? fullName : fullName.slice(0, at);
  const msgName = hooks ? fullName : baseName;
  if (!validateServiceName(fullName)) {
    throw new LoadProblem(`invalid service name '${fullName}'`, msgName);
  }
  const opened = openDescription(fullName, baseName, opts.serviceDirs, hooks);
  const r: Reading = {
    fullName,
    argval: at === -1 ? undefined : fullName.slice(at + 1),
    msgName,
    opts,
    hooks,
    cwd: opts.cwd ?? fromText(process.cwd()),
    userDb: opts.userDb ?? systemUserDb(),
    opened,
    settings: defaultSettings(),
    preResolve: (n) => {
      hooks?.varLookup();
      return lookupIn(opts.env)(n);
    },
    enableVia: undefined,
    stack: [
      {
        file: opened.file,
        lines: splitLines(opened.text),
        lineNum: 0,
        resolveDir: realParentDir(opened.file, opened.symlink),
        fragmentDir: parentPath(opened.file),
      },
    ],
  };
  for (let line = nextLine(r); line !== undefined; line = nextLine(r)) {
    if (line !== '') readLine(r, line);
  }
  return finalise(r);
}

/** The next raw line: from the top fragment; a finished fragment returns to its includer. */
function nextLine(r: Reading): string | undefined {
  const stack = r.stack;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    top.lineNum++;
    if (top.lineNum <= top.lines.length) return top.lines[top.lineNum - 1];
    stack.pop();
  }
  return undefined;
}

/** Read one (non-empty) line of the top fragment: a comment, a meta command or a setting. */
function readLine(r: Reading, first: string): void {
  const frame = r.stack[r.stack.length - 1];
  const lineRef = { line: frame.lineNum };
  const line = joinContinuations(r, frame, first);
  if (line.length > MAX_CONFIG_LINE_BYTES) {
    const pos = { file: frame.file, line: frame.lineNum };
    const msg = `line too long (limit ${MAX_CONFIG_LINE_BYTES} bytes).`;
    throw new DescriptionError(msg, pos, undefined, r.msgName);
  }
  let i = skipWsLn(line, 0, line.length, lineRef);
  if (i >= line.length || line[i] === '#') return;
  if (line[i] === '@') {
    readMetaCommand(r, frame, line, i + 1, { file: frame.file, line: lineRef.line });
    return;
  }
  const setting = readConfigName(line, i);
  i = skipWsLn(line, setting.next, line.length, lineRef);
  let op: SettingOp | undefined;
  if (setting.name !== '') {
    if (line[i] === '=') op = '=';
    else if (line[i] === ':') op = ':';
    else if (line[i] === '+' && line[i + 1] === '=') {
      op = '+=';
      i++;
    }
  }
  if (op === undefined) {
    const pos = { file: frame.file, line: frame.lineNum };
    throw new DescriptionError('badly formed line.', pos, undefined, r.msgName);
  }
  i = skipWsLn(line, i + 1, line.length, lineRef);
  applySetting(r, frame, line, i, op, setting.name, { file: frame.file, line: lineRef.line });
}

/**
 * A trailing odd run of backslashes continues the value on the next line, which must begin
 * with whitespace; the backslash becomes a newline (whitespace) in the joined value.
 */
function joinContinuations(r: Reading, frame: Frame, first: string): string {
  let line = first;
  while (line.endsWith('\\')) {
    let count = 0;
    for (let k = line.length - 1; k >= 0 && line[k] === '\\'; k--) count++;
    if (count % 2 === 0) break;
    line = line.slice(0, -1) + '\n';
    if (frame.lineNum >= frame.lines.length) {
      throw new DescriptionError(
        "end-of-file follows backslash escape character (`\\')",
        { file: frame.file, line: frame.lineNum },
        undefined,
        r.msgName,
      );
    }
    frame.lineNum++;
    const next = frame.lines[frame.lineNum - 1];
    if (next.length === 0 || !isSpace(next[0])) {
      throw new DescriptionError(
        "line following line-continuation backslash (`\\') does not begin with whitespace character",
        { file: frame.file, line: frame.lineNum },
        undefined,
        r.msgName,
      );
    }
    line += next;
  }
  return line;
}

/** @include / @include-opt push a fragment; @meta enable-via is noted; others are errors. */
function readMetaCommand(r: Reading, frame: Frame, line: string, at: number, pos: FilePos): void {
  const meta = readConfigName(line, at);
  if (meta.name === 'include' || meta.name === 'include-opt') {
    const v = readSettingValue(line, meta.next, line.length, pos);
    if (v.parts.length !== 1) {
      const message = `'@${meta.name}' requires a single argument`;
      throw new DescriptionError(message, pos, undefined, r.msgName);
    }
    const incName = substituteString(meta.name, v.value, r.preResolve, r.argval);
    const incPath = path.resolve(frame.resolveDir, incName);
    if (r.stack.length >= MAX_INCLUDE_DEPTH) {
      // Upstream has no limit and fails only when it runs out of file descriptors; an
      // include cycle must not exhaust our memory instead.
      throw new LoadProblem(
        `${incName}: cannot open: too many nested @include files (limit ${MAX_INCLUDE_DEPTH})`,
        r.msgName,
      );
    }
    let text: string;
    const facts: ConfigFileFacts = {};
    try {
      text = readConfigFile(incPath, 'latin1', facts);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (meta.name === 'include-opt' && code === 'ENOENT') return;
      throw new LoadProblem(`${incName}: cannot open: ${readFailureText(e)}`, r.msgName);
    }
    r.stack.push({
      file: incName,
      lines: splitLines(text),
      lineNum: 0,
      resolveDir: realParentDir(incPath, facts.symlink),
      fragmentDir: incName.startsWith('/')
        ? parentPath(incName)
        : parentPath(path.join(frame.resolveDir, incName)),
    });
  } else if (meta.name === 'meta') {
    // @meta carries information for other tools; we note enable-via and ignore the rest.
    const via = readMetaEnableVia(line, meta.next);
    if (via) r.enableVia = via;
  } else {
    throw new DescriptionError('bad meta command', pos, undefined, r.msgName);
  }
}

/**
 * The name in "@meta enable-via <name>" given the index after "@meta"; undefined for another
 * @meta subject, '' when the name is missing or followed by more text.
 */
function readMetaEnableVia(line: string, from: number): string | undefined {
  const skipSpace = (k: number): number => {
    while (k < line.length && isSpace(line[k])) k++;
    return k;
  };
  const sub = readConfigName(line, skipSpace(from));
  if (sub.name !== 'enable-via') return undefined;
  const via = readConfigName(line, skipSpace(sub.next));
  if (via.name === '' || skipSpace(via.next) !== line.length) return '';
  return via.name;
}

/** Apply one setting line; with hooks a line error is reported and reading goes on. */
function applySetting(
  r: Reading,
  frame: Frame,
  line: string,
  start: number,
  op: SettingOp,
  setting: string,
  pos: FilePos,
): void {
  try {
    processSettingLine({
      settings: r.settings,
      name: r.msgName,
      argval: r.argval,
      line,
      start,
      end: line.length,
      pos,
      op,
      setting,
      resolve: r.preResolve,
      resolveDir: frame.resolveDir,
      userDb: r.userDb,
      processDepDir: (dir, type) => readDependencyDir(r, frame, pos, dir, type),
    });
  } catch (e) {
    if (e instanceof DescriptionError) {
      if (e.serviceName === undefined || e.serviceName === '') e.serviceName = r.msgName;
      if (e.pos === undefined && e.setting === undefined) {
        // Every line error names its place.
        (e as { pos?: FilePos }).pos = pos;
      }
      if (r.hooks) {
        r.hooks.lineError(e);
        return;
      }
    }
    throw e;
  }
}

/**
 * waits-for.d / depends-on.d / depends-ms.d: each valid entry of the directory becomes a
 * dependency marked with the directory it came from. This is the one place such directories
 * are listed; an unreadable one is a warning.
 */
function readDependencyDir(
  r: Reading,
  frame: Frame,
  pos: FilePos,
  dir: string,
  type: DependencyType,
): void {
  const dirAsNamed = combinePaths(frame.fragmentDir, dir);
  const abs = path.resolve(r.cwd, dirAsNamed);
  let entries: string[];
  try {
    entries = readDirRaw(abs);
  } catch (e) {
    if (r.hooks) r.hooks.depDirError(dir, errnoText(e));
    else
      r.opts.onWarning?.(
        `Could not open dependency directory '${dirAsNamed}' for ${r.msgName} service.`,
      );
    return;
  }
  for (const entry of entries) {
    if (!validateServiceName(entry)) continue;
    r.settings.depends.push({
      name: entry,
      type,
      file: pos.file,
      line: pos.line,
      fromDir: abs,
      fromDirSetting: dir,
    });
  }
}

/** Problems found when finalising: thrown, or with hooks reported (errors and lints). */
interface Reporter {
  error(message: string): void;
  lint(message: string): void;
}

function reporterFor(r: Reading): Reporter {
  const hooks = r.hooks;
  return {
    error: (message) => {
      if (hooks) hooks.error(message);
      else throw new LoadProblem(message, r.msgName);
    },
    lint: (message) => hooks?.lint(message),
  };
}

/** The service's own environment: passwd variables, DINIT_SERVICE, then the env-file. */
function serviceEnvironment(
  r: Reading,
  report: Reporter,
): { srvEnv: EnvironmentRules; envFileAbs: string | undefined } {
  const s = r.settings;
  const srvEnv = new EnvironmentRules();
  if (s.exportPasswdVars) {
    const uid = s.runAs?.uid ?? (typeof process.geteuid === 'function' ? process.geteuid() : 0);
    const pw = r.userDb.userById(uid);
    if (pw === undefined) {
      report.error(`user id '${uid}' does not exist in system database`);
    } else {
      srvEnv.set('USER', pw.name);
      srvEnv.set('LOGNAME', pw.name);
      srvEnv.set('HOME', pw.home);
      srvEnv.set('SHELL', pw.shell);
      srvEnv.set('UID', String(pw.uid));
      srvEnv.set('GID', String(pw.gid));
    }
  }
  if (s.exportServiceName) srvEnv.set('DINIT_SERVICE', r.msgName);
  let envFileAbs: string | undefined;
  if (s.envFile !== '') {
    envFileAbs = path.resolve(
      s.envFileDir ?? realParentDir(r.opened.file, r.opened.symlink),
      s.envFile,
    );
    try {
      readEnvFileRules(envFileAbs, srvEnv);
    } catch (e) {
      const code = e instanceof EnvFileError ? e.errno : undefined;
      const refused = e instanceof EnvFileError && code === undefined && e.line === undefined;
      const why = refused ? e.message : errnoText({ code });
      report.error(`could not load environment file: ${why}`);
    }
  }
  return { srvEnv, envFileAbs };
}

/** Settings internal and triggered services ignore, each with dinit-check's lint. */
function lintIgnoredSettings(s: ServiceSettings, report: Reporter): void {
  const ignored = (what: string): void =>
    report.lint(`${what} specified, but ignored for the specified (or default) service type.`);
  if (s.command.value !== '') ignored("'command'");
  if (s.stopCommand.value !== '') ignored("'stop-command'");
  if (s.workingDir !== '') ignored("'working-dir'");
  if (s.runInCgroup !== '') ignored("'run-in-cgroup'");
  if (s.capabilities.value !== '') ignored("'capabilities'");
  if (s.securebits.length > 0) ignored("'securebits'");
  if (s.runAs !== undefined) ignored("'run-as'");
  if (s.socketPath !== '') ignored("'socket-listen'");
  if (s.inittabId !== '' || s.inittabLine !== '') ignored("'inittab_line' or 'inittab_id'");
  const opt = (what: string): void =>
    report.lint(`${what} was specified, but ignored for the specified (or default) service type.`);
  if (s.options.signalProcessOnly || s.options.startInterruptible) {
    report.lint(
      'signal options were specified, but ignored for the specified (or default) service type.',
    );
  }
  if (s.options.passCsFd) opt("option 'pass_cs_fd'");
  if (s.options.skippable) opt("option 'skippable'");
  if (s.options.noNewPrivs) opt("option 'no_new_privs'");
  if (s.logType !== 'none') opt("option 'log_type'");
  if (s.niceIsSet) opt("option 'nice'");
  if (s.ioprio !== undefined) opt("option 'ioprio'");
  if (s.oomAdjIsSet) opt("option 'oom-score-adj'");
}

/** What each service type requires or forbids, and the logfile lints. */
function validateForType(s: ServiceSettings, report: Reporter): void {
  const t = s.type;
  if (t === 'process' || t === 'bgprocess' || t === 'scripted') {
    if (s.command.value === '') report.error("'command' setting not specified.");
  }
  if (t === 'internal' || t === 'triggered') lintIgnoredSettings(s, report);
  if (s.logType !== 'file' && s.logfile !== '') {
    report.lint("option 'logfile' was specified, but selected log type is not 'file'");
  }
  if (s.logType === 'file' && s.logfile === '')
    report.lint("option 'logfile' not set, but selected log type is 'file'");

  if (t === 'bgprocess') {
    if (s.pidFile === '')
      report.error("process ID file ('pid-file') not specified for bgprocess service.");
    if (s.readinessFd !== -1 || s.readinessVar !== '' || s.readinessNotify) {
      report.error(
        "readiness notification ('ready-notification') is not supported for bgprocess services.",
      );
    }
  }
  if (s.restartDelayMaxMs !== 0 && s.restartDelayMaxMs < s.restartDelayMs) {
    report.lint("'restart-delay-max' is less than 'restart-delay': there is no backoff.");
  }
  if (s.watchdogTimeoutMs !== 0 && !s.readinessNotify) {
    report.error("'watchdog-timeout' needs 'ready-notification = notify' (WATCHDOG=1 pings).");
  }
  if (s.options.killAllOnStop && t !== 'internal' && t !== 'scripted') {
    report.error('kill-all-on-stop can only be set on scripted or internal services.');
  }
}

/** The settings substituted with the service's full environment (after the env-file). */
interface Substituted {
  socketPath: string;
  logfile: string;
  workingDir: string;
  pidFile: string;
  command: string[];
  stopCommand: string[];
}

function substituteSettings(r: Reading, fullEnv: Readonly<Record<string, string>>): Substituted {
  const s = r.settings;
  const hooks = r.hooks;
  const fullResolve: VarResolver = (n) => {
    hooks?.varLookup();
    return lookupIn(fullEnv)(n);
  };
  const resolvePath = (setting: string, v: string): string => {
    try {
      return substituteString(setting, v, fullResolve, r.argval);
    } catch (e) {
      if (hooks && e instanceof DescriptionError) {
        hooks.error(`${setting}: ${e.message}`);
        return v;
      }
      throw e;
    }
  };
  const words = (v: { value: string; parts: [number, number][] }): string[] =>
    v.parts.map(([a, b]) => intern(v.value.slice(a, b)));
  const socketPath = resolvePath('socket-listen', s.socketPath);
  const logfile = resolvePath('logfile', s.logfile);
  const workingDir = resolvePath('working-dir', s.workingDir);
  const pidFile = resolvePath('pid-file', s.pidFile);
  const command = substituteVars('command', s.command, fullResolve, r.argval);
  const stopCommand = substituteVars('stop-command', s.stopCommand, fullResolve, r.argval);
  return {
    socketPath,
    logfile: s.logType !== 'file' ? '' : logfile,
    workingDir,
    pidFile,
    command: words(command),
    stopCommand: words(stopCommand),
  };
}

/** Dependencies as the core takes them: the settings' list, then after, then before. */
function dependencyList(s: ServiceSettings): DependencySpec[] {
  const deps: DependencySpec[] = s.depends.map((d) => {
    const spec: DependencySpec = { name: d.name, type: d.type, file: d.file, line: d.line };
    if (d.fromDir !== undefined) spec.fromDir = d.fromDir;
    if (d.fromDirSetting !== undefined) spec.fromDirSetting = d.fromDirSetting;
    return spec;
  });
  for (const a of s.after) deps.push({ name: a, type: 'after' });
  for (const b of s.before) deps.push({ name: b, type: 'before' });
  return deps;
}

/** Check the settings, build the service environment, substitute, and assemble the result. */
function finalise(r: Reading): LoadedService {
  const s = r.settings;
  const report = reporterFor(r);
  const { srvEnv, envFileAbs } = serviceEnvironment(r, report);
  const fullEnv = srvEnv.over(r.opts.env);
  validateForType(s, report);
  const subst = substituteSettings(r, fullEnv);
  if (s.type !== 'process' && s.type !== 'bgprocess' && s.consumerOf !== '') {
    report.error(
      "only a process or bgprocess service can be a log consumer ('consumer-of') another service.",
    );
  }
  const description = describe(r, subst, srvEnv, envFileAbs);
  return {
    description,
    settings: s,
    fileAsNamed: r.opened.file,
    serviceDirAsGiven: r.opened.dir,
    logfileSubst: subst.logfile,
  };
}

// What most descriptions hold: one shared frozen value each instead of a new empty object or
// array in every one of thousands of services (a description is data; nothing changes it).
const NO_WORDS = Object.freeze([]) as unknown as string[];
const NO_DEPS = Object.freeze([]) as unknown as DependencySpec[];
const NO_ENV: Record<string, string> = Object.freeze({});
const NO_RLIMITS: ServiceDescription['rlimits'] = Object.freeze({});
const DEFAULT_ENV_RULES: NonNullable<ServiceDescription['envRules']> = Object.freeze({
  clear: false,
  unset: NO_WORDS,
  import: NO_WORDS,
});

/** The list, or the shared empty one. */
function orShared<T>(list: T[], empty: T[]): T[] {
  return list.length > 0 ? list : empty;
}

/** The options, or the shared defaults when they are all off. */
function sharedOptions(o: ServiceOptions): ServiceOptions {
  for (const k in DEFAULT_SERVICE_OPTIONS) {
    if (o[k as keyof ServiceOptions] !== DEFAULT_SERVICE_OPTIONS[k as keyof ServiceOptions]) {
      return o;
    }
  }
  return DEFAULT_SERVICE_OPTIONS;
}

/**
 * An absolute path as one flat string. V8 keeps a string made by concatenation (as
 * path.resolve's result is) as a tree of its pieces, several heap objects for every path a
 * loaded service keeps; join() copies the pieces into one string.
 */
function flatPath(p: string): string {
  return p.split('/').join('/');
}

/** Values up to this long are interned (longer ones are rarely repeated). */
const INTERN_LENGTH = 256;
/** Entries of the intern table; it is emptied when full. */
const INTERN_ENTRIES = 1024;
const interned = new Map<string, string>();

/**
 * One copy of a value that many descriptions repeat (the service directory, the type, a command
 * and its arguments): each description would otherwise hold its own copy, cut from its own
 * file. The table is bounded, so unique values cost no more than its size.
 */
function intern<T extends string>(v: T): T {
  const known = interned.get(v);
  if (known !== undefined) return known as T;
  if (v.length > INTERN_LENGTH) return v;
  if (interned.size >= INTERN_ENTRIES) interned.clear();
  interned.set(v, v);
  return v;
}

/** What the env-file's !clear, !unset and !import did (the shared value when nothing). */
function envRulesOf(srvEnv: EnvironmentRules): NonNullable<ServiceDescription['envRules']> {
  if (srvEnv.keepParent && srvEnv.undefine.size === 0 && srvEnv.importFromParent.size === 0) {
    return DEFAULT_ENV_RULES;
  }
  return {
    clear: !srvEnv.keepParent,
    unset: [...srvEnv.undefine],
    import: [...srvEnv.importFromParent],
  };
}

let ids: { uid: number; gid: number } | undefined;

/** This process's uid and gid (which it keeps for its life). */
function ownIds(): { uid: number; gid: number } {
  ids ??= {
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
    gid: typeof process.getgid === 'function' ? process.getgid() : 0,
  };
  return ids;
}

/** '' (unset) as undefined. */
function unlessEmpty(v: string): string | undefined {
  return v !== '' ? v : undefined;
}

/** The ServiceDescription: durations in ms, paths absolute, commands split. */
function describe(
  r: Reading,
  subst: Substituted,
  srvEnv: EnvironmentRules,
  envFileAbs: string | undefined,
): ServiceDescription {
  const { settings: s, cwd, opened } = r;
  const serviceDir = intern(flatPath(path.resolve(cwd, opened.dir)));
  const workingDirAbs =
    subst.workingDir !== '' ? flatPath(path.resolve(cwd, subst.workingDir)) : undefined;
  const { uid, gid } = ownIds();
  const absolute = (p: string, base = cwd): string | undefined =>
    p !== '' ? flatPath(path.resolve(base, p)) : undefined;
  // What every description has, in one literal (one shape, all fields in the object) ...
  const d: ServiceDescription = {
    name: r.fullName,
    file: flatPath(path.resolve(cwd, opened.file)),
    serviceDir,
    mtimeMs: opened.mtimeMs,
    mtimeNs: opened.mtimeNs,
    type: intern(s.type),
    command: subst.command,
    stopCommand: orShared(subst.stopCommand, NO_WORDS),
    env: srvEnv.setVars.size > 0 ? Object.fromEntries(srvEnv.setVars) : NO_ENV,
    envRules: envRulesOf(srvEnv),
    dependencies: orShared(dependencyList(s), NO_DEPS),
    restart: s.restart,
    smoothRecovery: s.smoothRecovery,
    restartDelayMs: s.restartDelayMs,
    restartLimitIntervalMs: s.restartIntervalMs,
    restartLimitCount: s.restartLimitCount,
    startTimeoutMs: s.startTimeoutMs,
    stopTimeoutMs: s.stopTimeoutMs,
    termSignal: s.termSignal,
    logType: s.logType,
    logfilePermissions: s.logfilePerms,
    logfileUid: s.logfileUid ?? uid,
    logfileGid: s.logfileGid ?? s.logfileUidGid ?? gid,
    logBufferSize: s.logBufferSize,
    options: sharedOptions(s.options),
    exportPasswdVars: s.exportPasswdVars,
    exportServiceName: s.exportServiceName,
    socketPermissions: s.socketPerms,
    rlimits: Object.keys(s.rlimits).length > 0 ? s.rlimits : NO_RLIMITS,
  };
  // ... and only those of the rest that are set: most services set few, and each field that a
  // description holds costs every loaded service its room, undefined or not.
  return withSet(d, {
    workingDir: workingDirAbs,
    envFile: envFileAbs,
    restartDelayMaxMs: s.restartDelayMaxMs !== 0 ? s.restartDelayMaxMs : undefined,
    restartResetAfterMs: s.restartResetAfterMs !== -1 ? s.restartResetAfterMs : undefined,
    pidFile: absolute(subst.pidFile),
    chainTo: unlessEmpty(s.chainTo),
    readyNotification: readyNotificationOf(s),
    watchdogTimeoutMs: s.watchdogTimeoutMs !== 0 ? s.watchdogTimeoutMs : undefined,
    logfile: absolute(subst.logfile, workingDirAbs ?? serviceDir),
    ...logExtensions(s),
    consumerOf: unlessEmpty(s.consumerOf),
    runAs: s.runAs,
    socketListen: absolute(subst.socketPath),
    socketUid: s.socketUid,
    socketGid: s.socketGid ?? s.socketUidGid,
    nice: s.nice,
    ioprio: s.ioprio,
    oomScoreAdj: s.oomScoreAdj,
    runInCgroup: unlessEmpty(s.runInCgroup),
    capabilities: unlessEmpty(s.capabilities.value),
    securebits: s.securebits.length > 0 ? s.securebits.join(' ') : undefined,
    inittabId: unlessEmpty(s.inittabId),
    inittabLine: unlessEmpty(s.inittabLine),
    runInJail: unlessEmpty(s.runInJail),
    enableVia: r.enableVia,
  });
}

/** d with the fields of optional that are not undefined added (in optional's order). */
function withSet(d: ServiceDescription, optional: Partial<ServiceDescription>): ServiceDescription {
  const target = d as unknown as Record<string, unknown>;
  const from = optional as Record<string, unknown>;
  for (const k in from) if (from[k] !== undefined) target[k] = from[k];
  return d;
}

/** ready-notification as the core takes it, or undefined. */
function readyNotificationOf(s: ServiceSettings): ServiceDescription['readyNotification'] {
  if (s.readinessNotify) return { kind: 'notify' };
  if (s.readinessFd !== -1) return { kind: 'pipefd', fd: s.readinessFd };
  if (s.readinessVar !== '') return { kind: 'pipevar', variable: s.readinessVar };
  return undefined;
}

/**
 * Read only the `@meta enable-via` name of a service description (for `dinitctl enable` with no
 * "from" service). Returns undefined when there is none. Throws ServiceLoadError: 'not-found',
 * or 'load' with "'@meta enable-via' argument missing or malformed".
 */
export function readEnableVia(name: string, serviceDirs: readonly string[]): string | undefined {
  const base = serviceBaseName(name);
  const opened = openDescription(name, base, serviceDirs);
  let found: string | undefined;
  for (const raw of splitLines(opened.text)) {
    let i = 0;
    while (i < raw.length && isSpace(raw[i])) i++;
    if (raw[i] !== '@') continue;
    const meta = readConfigName(raw, i + 1);
    if (meta.name !== 'meta') continue;
    const via = readMetaEnableVia(raw, meta.next);
    if (via === undefined) continue;
    if (via === '') {
      throw new ServiceLoadError({
        kind: 'load',
        name: base,
        message: "'@meta enable-via' argument missing or malformed",
      });
    }
    found = via;
  }
  return found;
}

/** The dinit-ts log settings, as read: log-buffer-keep, logfile-max-size, logfile-max-files. */
function logExtensions(
  s: ServiceSettings,
): Pick<ServiceDescription, 'logBufferKeep' | 'logfileMaxSize' | 'logfileMaxFiles'> {
  const { logBufferKeep, logfileMaxSize, logfileMaxFiles } = s;
  return { logBufferKeep, logfileMaxSize, logfileMaxFiles };
}
