// dinit-check: load the named services (default "boot") and everything they reach, report
// description errors and lint, then check consumer-of links, dependency depth and cycles.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentRules, applyEnvFileText } from '../config/env-file';
import { loadService, type CheckHooks, type LoadedService } from '../config/load-service';
import { defaultServiceDirs } from '../config/service-dirs';
import { errnoText, strerror } from '../config/strerror';
import type { LogType } from '../config/types';
import type { ControlClient as ControlClientType } from '../client/control-client';
import type { DependencyType, ServiceType } from '../model';
import { ControlError, ServiceLoadError, type DescriptionError } from '../errors';

const APP = 'dinit-check';
/** Upstream's maximum dependency depth. */
const MAX_DEP_DEPTH = 32;

const HELP = `${APP}: check dinit service descriptions
 --help                       display help
 --services-dir <dir>, -d <dir>
                              set base directory for service description
                              files, can be specified multiple times
 --online, -n                 use service dirs and environment from running
                              dinit instance
 --socket-path <path>, -p <path>
                              use specified socket to connect to daemon (online
                              mode)
 --env-file, -e <file>        read environment from specified file
 --system, -s                 use defaults for system manager mode
 --user, -u                   use defaults for user mode
 <service-name>               check service with name <service-name>
`;

/** Output sinks; stdout and stderr are written synchronously so their interleaving is kept. */
export interface CheckIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CheckIo = {
  out: (t) => writeAll(1, t),
  err: (t) => writeAll(2, t),
};

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
  }
}

interface CheckDep {
  name: string;
  type: DependencyType | 'before' | 'after';
}

interface CheckRecord {
  name: string;
  type: ServiceType;
  chainTo?: string;
  deps: CheckDep[];
  before: string[];
  after: string[];
  consumerOf?: string;
  logType: LogType;
  depDepth: number;
  topologyIndex: number;
  visited: boolean;
  cycleFree: boolean;
}

/**
 * Run dinit-check with `argv` (without node and script); resolves to the exit status. Offline
 * checks run synchronously; --online first asks the running daemon for its service directories
 * and environment.
 */
export async function runCheck(
  argv: string[],
  io: CheckIo = stdio,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const dirs: string[] = [];
  let userMode = typeof process.getuid === 'function' ? process.getuid() !== 0 : true;
  let envFile = '';
  let online = false;
  let socketPath = '';
  const toCheck: { name: string; depth: number }[] = [];

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('-')) {
      if (a === '--services-dir' || a === '-d') {
        if (++i < argv.length && argv[i] !== '') dirs.push(argv[i]);
        else {
          io.err(`${APP}: '--services-dir' (-d) requires an argument\n`);
          return 1;
        }
      } else if (a === '--system' || a === '-s') userMode = false;
      else if (a === '--user' || a === '-u') userMode = true;
      else if (a === '--socket-path' || a === '-p') {
        ++i;
        if (i === argv.length || argv[i] === '') {
          io.err(`${APP}: --socket-path/-p should be followed by socket path\n`);
          return 1;
        }
        socketPath = argv[i];
      } else if (a === '--online' || a === '-n') online = true;
      else if (a === '--env-file' || a === '-e') {
        ++i;
        if (i === argv.length || argv[i] === '') {
          io.err(`${APP}: --env-file/-e should be followed by environment file path\n`);
          return 1;
        }
        envFile = argv[i];
      } else if (a === '--help') {
        io.out(HELP);
        return 0;
      } else {
        io.err(`${APP}: unrecognized option: '${a}' (use '--help' for help)\n`);
        return 1;
      }
    } else {
      toCheck.push({ name: a, depth: 0 });
    }
  }

  let serviceDirs: string[];
  let mainEnv: Record<string, string>;
  if (online) {
    const remote = await queryDaemon(socketPath, userMode, env, io);
    if (typeof remote === 'number') return remote;
    ({ serviceDirs, env: mainEnv } = remote);
  } else {
    serviceDirs = dirs.length > 0 ? dirs : defaultServiceDirs(userMode ? 'user' : 'system', env);
    const offlineEnv = readCheckEnv(envFile, userMode, env, io);
    if (typeof offlineEnv === 'number') return offlineEnv;
    mainEnv = offlineEnv;
  }
  return checkServices(toCheck, serviceDirs, mainEnv, online, io);
}

/** The environment for offline checks: ours, with the -e file (default for system mode) applied. */
function readCheckEnv(
  envFile: string,
  userMode: boolean,
  env: NodeJS.ProcessEnv,
  io: CheckIo,
): Record<string, string> | number {
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) baseEnv[k] = v;
  let mainEnv = baseEnv;
  if (envFile === '' && !userMode) envFile = '/etc/dinit/environment';
  if (envFile !== '') {
    let text: string | undefined;
    try {
      text = fs.readFileSync(envFile, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A file that cannot be opened is skipped silently; a read failure is fatal.
      if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'ENOTDIR' && code !== 'ELOOP') {
        io.err(`${APP}: error reading environment file ${envFile}: ${errnoText(e)}\n`);
        return 1;
      }
    }
    if (text !== undefined) {
      const rules = new EnvironmentRules();
      applyEnvFileText(text, rules, {
        onInvalidSetting: (line) =>
          io.err(
            `${APP}: warning: invalid environment variable setting in environment file ${envFile} (line ${line})\n`,
          ),
        onBadCommand: (line) =>
          io.err(`${APP}: warning: bad command in environment file ${envFile} (line ${line})\n`),
      });
      mainEnv = rules.build(baseEnv);
    }
  }
  return mainEnv;
}

/**
 * Ask the running daemon for its service directories (resolved against its working directory)
 * and its environment. Returns an exit status after printing upstream's message on failure.
 */
async function queryDaemon(
  socketOpt: string,
  userMode: boolean,
  env: NodeJS.ProcessEnv,
  io: CheckIo,
): Promise<{ serviceDirs: string[]; env: Record<string, string> } | number> {
  // The client and socket-path code are loaded only for --online, keeping offline start-up light.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ControlClient } =
    require('../client/control-client') as typeof import('../client/control-client');
  const { defaultSocketPath } =
    require('../cli/socket-path') as typeof import('../cli/socket-path');
  const { SSET_TYPE_DIRLOAD } = require('../protocol/codes') as typeof import('../protocol/codes');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const socketPath = socketOpt !== '' ? socketOpt : defaultSocketPath(userMode, env);
  if (socketPath === undefined) {
    io.err(
      `${APP}: cannot locate user home directory (set XDG_RUNTIME_DIR, HOME, check /etc/passwd file, or ` +
        'specify socket path via -p)\n',
    );
    return 1;
  }
  let client: ControlClientType | undefined;
  try {
    client = await ControlClient.connect(socketPath, { minVersion: 1, maxVersion: 6 });
    const mech = await client.queryLoadMech();
    if (mech.kind !== 'loader' || mech.loaderType !== SSET_TYPE_DIRLOAD) {
      io.err(`${APP}: unable to retrieve service description directories\n`);
      return 1;
    }
    const serviceDirs: string[] = [];
    for (const d of mech.dirs) {
      if (d === '') {
        io.err(`${APP}: protocol error\n`);
        return 1;
      }
      if (!d.startsWith('/') && mech.cwd === '') {
        io.err(`${APP}: unable to retrieve service description directories\n`);
        return 1;
      }
      serviceDirs.push(d.startsWith('/') ? d : mech.cwd.replace(/\/?$/, '/') + d);
    }
    const remoteEnv: Record<string, string> = {};
    for (const kv of await client.getAllEnv()) {
      const eq = kv.indexOf('=');
      if (eq > 0) remoteEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return { serviceDirs, env: remoteEnv };
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    switch (e.kind) {
      case 'connect':
        io.err(`${APP}: connecting to socket ${socketPath}: ${strerror(e.data.errnoCode)}\n`);
        break;
      case 'old-client':
        io.err(`${APP}: too old (daemon reports newer protocol version)\n`);
        break;
      case 'old-server':
        io.err(`${APP}: daemon too old or protocol error\n`);
        break;
      case 'protocol':
        io.err(`${APP}: protocol error\n`);
        break;
      default:
        io.err(`${APP}: control socket read failure or protocol error\n`);
    }
    return 1;
  } finally {
    client?.close();
  }
}

/** Load and check `toCheck` and everything reachable from it; print the report; exit status. */
function checkServices(
  toCheck: { name: string; depth: number }[],
  serviceDirs: string[],
  mainEnv: Record<string, string>,
  online: boolean,
  io: CheckIo,
): number {
  if (toCheck.length === 0) toCheck.push({ name: 'boot', depth: 0 });
  const numRequested = toCheck.length;
  let errorsFound = false;
  const services = new Map<string, CheckRecord | null>();
  // Index of toCheck by name (first entry wins, as a linear search would find).
  const pendingByName = new Map<string, { name: string; depth: number }>();
  for (const t of toCheck) if (!pendingByName.has(t.name)) pendingByName.set(t.name, t);

  const addToCheck = (name: string, depth: number): void => {
    // Loading stops just past the maximum depth, so the excess can still be reported below.
    if (depth > MAX_DEP_DEPTH + 1) return;
    const rec = services.get(name);
    if (rec) {
      rec.depDepth = Math.max(rec.depDepth, depth);
      return;
    }
    const pending = pendingByName.get(name);
    if (pending) {
      pending.depth = Math.max(pending.depth, depth);
      return;
    }
    const entry = { name, depth };
    toCheck.push(entry);
    pendingByName.set(name, entry);
  };

  const report = (text: string): void => {
    io.err(text + '\n');
    errorsFound = true;
  };

  for (let idx = 0; idx < toCheck.length; idx++) {
    const { name } = toCheck[idx];
    io.out(`Checking service: ${name}...\n`);
    let warnedSubst = false;
    const hooks: CheckHooks = {
      lineError(e: DescriptionError) {
        const who = e.serviceName ?? name;
        if (e.pos) report(`Service '${who}' (${e.pos.file}:${e.pos.line}): ${e.message}`);
        else report(`Service '${who}' setting '${e.setting ?? ''}': ${e.message}`);
      },
      error: (m) => report(`Service '${name}': ${m}`),
      lint: (m) => report(`Service '${name}': warning: ${m}`),
      varLookup() {
        if (!online && !warnedSubst) {
          io.err(
            `${APP}: warning: variable substitution performed by ${APP} for file paths may not match dinit daemon ` +
              '(environment may differ); use --online to avoid this warning\n',
          );
          warnedSubst = true;
        }
      },
      readError: (reason) =>
        report(`Service '${name}', error reading service description: ${reason}`),
      depDirError: (dir, reason) =>
        report(`Service '${name}', error reading dependencies from directory ${dir}: ${reason}`),
    };
    try {
      const loaded = loadService(name, { serviceDirs, env: mainEnv }, hooks);
      lintFiles(loaded, report, name);
      const d = loaded.description;
      const rec: CheckRecord = {
        name,
        type: d.type,
        chainTo: d.chainTo,
        deps: d.dependencies
          .filter((x) => x.type !== 'before' && x.type !== 'after')
          .map((x) => ({ name: x.name, type: x.type })),
        before: d.dependencies.filter((x) => x.type === 'before').map((x) => x.name),
        after: d.dependencies.filter((x) => x.type === 'after').map((x) => x.name),
        consumerOf: d.consumerOf,
        logType: d.logType,
        depDepth: 0,
        topologyIndex: 0,
        visited: false,
        cycleFree: false,
      };
      services.set(name, rec);
      for (const dep of rec.deps) addToCheck(dep.name, toCheck[idx].depth + 1);
      // Ordering links and consumer-of are not real dependencies: depth 0. Upstream's checker
      // means to check the chain-to target too but never records it, so it is not loaded here.
      for (const b of rec.before) addToCheck(b, 0);
      for (const a of rec.after) addToCheck(a, 0);
      if (rec.consumerOf !== undefined) addToCheck(rec.consumerOf, 0);
    } catch (e) {
      if (!(e instanceof ServiceLoadError)) throw e;
      const f = e.failure;
      const desc = f.kind === 'not-found' ? 'service description not found.' : f.message;
      report(`Unable to load service '${name}': ${desc}`);
    }
  }

  io.out('Performing secondary checks...\n');
  const find = (n: string): CheckRecord | undefined => services.get(n) ?? undefined;
  const sortedNames = [...services.keys()].sort(byteCompare);

  for (const svcName of sortedNames) {
    const rec = services.get(svcName);
    if (!rec) continue;
    if (rec.consumerOf !== undefined) {
      const consumed = find(rec.consumerOf);
      if (consumed) {
        if (consumed.logType !== 'pipe') {
          report(
            `Service '${svcName}': specified as consumer of service '${consumed.name}' which has log-type that is not 'pipe'.`,
          );
        } else if (!['process', 'bgprocess', 'scripted'].includes(consumed.type)) {
          report(
            `Service '${svcName}': specified as consumer of service '${consumed.name}' which is not a process-based service.`,
          );
        }
      } else {
        io.err(
          `Warning: Service '${svcName}' specified as consumer of service '${rec.consumerOf}' which was not found.\n`,
        );
      }
    }
    // "before" is a reverse ordering link and "after" a forward one; both join the cycle check.
    for (const b of rec.before) find(b)?.deps.push({ name: svcName, type: 'before' });
    for (const a of rec.after) if (find(a)) rec.deps.push({ name: a, type: 'after' });
  }

  // Dependency depth by topological layering (Kahn's algorithm over hard links).
  const isOrdering = (t: CheckDep['type']): boolean => t === 'before' || t === 'after';
  for (const n of sortedNames) {
    const rec = services.get(n);
    if (!rec) continue;
    for (const dep of rec.deps) {
      if (isOrdering(dep.type)) continue;
      const to = find(dep.name);
      if (to) to.topologyIndex++;
    }
  }
  let depth = 0;
  let current: CheckRecord[] = [];
  for (const n of sortedNames) {
    const rec = services.get(n);
    if (rec && rec.topologyIndex === 0) {
      rec.depDepth = depth;
      current.push(rec);
    }
  }
  while (current.length > 0) {
    const next: CheckRecord[] = [];
    depth++;
    for (const rec of current) {
      for (const dep of rec.deps) {
        if (isOrdering(dep.type)) continue;
        const to = find(dep.name);
        if (!to) continue;
        if (--to.topologyIndex === 0) {
          to.depDepth = depth;
          if (depth > MAX_DEP_DEPTH) {
            io.err(
              `Service '${to.name}' exceeds maximum allowed dependency depth (${MAX_DEP_DEPTH}).\n`,
            );
          }
          next.push(to);
        }
      }
    }
    current = next;
  }

  // Cycle detection: iterative depth-first walk from each requested service; one cycle reported.
  let chain: { rec: CheckRecord; index: number }[] = [];
  for (let r = 0; r < numRequested; r++) {
    const root = find(toCheck[r].name);
    if (!root || root.visited) continue;
    chain.push({ rec: root, index: 0 });
    for (;;) {
      const n = chain.length - 1;
      const last = chain[n];
      if (last.index >= last.rec.deps.length) {
        last.rec.cycleFree = true;
        chain.pop();
        if (n === 0) break;
        chain[n - 1].index++;
        continue;
      }
      const nextRec = find(last.rec.deps[last.index].name);
      if (!nextRec) {
        last.index++;
        continue;
      }
      if (nextRec.visited) {
        if (nextRec.cycleFree) {
          last.index++;
          continue;
        }
        const first = chain.findIndex((c) => c.rec === nextRec);
        chain = chain.slice(first);
        break;
      }
      nextRec.visited = true;
      chain.push({ rec: nextRec, index: 0 });
    }
    if (chain.length > 0) break;
  }
  if (chain.length > 0) {
    errorsFound = true;
    let text = 'Found dependency cycle:\n';
    for (const link of chain) {
      const dep = link.rec.deps[link.index];
      text += `    ${link.rec.name} ->`;
      if (dep.type === 'before') text += " (via 'before')";
      if (dep.type === 'after') text += " (via 'after')";
      text += '\n';
    }
    text += `    ${chain[0].rec.name}.\n`;
    io.err(text);
  }

  io.err('Secondary checks complete.\n');
  io.out(errorsFound ? 'One or more errors/warnings issued.\n' : 'No problems found.\n');
  return errorsFound ? 1 : 0;
}

/** Order strings by their UTF-8 bytes, as a std::map<std::string> does. */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The file-system lint upstream's checker adds: working directory, executables, logfile directory. */
function lintFiles(loaded: LoadedService, report: (t: string) => void, name: string): void {
  const s = loaded.settings;
  const d = loaded.description;
  const wdir =
    s.workingDir !== '' && d.workingDir !== undefined
      ? d.workingDir
      : path.resolve(loaded.serviceDirAsGiven);
  let base: string | undefined = wdir;
  try {
    if (!fs.statSync(wdir).isDirectory())
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    report(`Service '${name}': warning: could not open service working directory: ${errnoText(e)}`);
    base = undefined;
  }
  const at = (p: string): string => path.resolve(base ?? process.cwd(), p);

  const checkCommand = (label: string, exe: string): void => {
    if (!exe.startsWith('/')) {
      report(`Service '${name}': warning: ${label} executable '${exe}' is not an absolute path`);
      return;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(at(exe));
    } catch (e) {
      report(
        `Service '${name}': warning: could not stat ${label} executable '${exe}': ${errnoText(e)}`,
      );
      return;
    }
    if (!st.isFile())
      report(`Service '${name}': warning: ${label} executable '${exe}' is not a regular file.`);
    else if ((st.mode & 0o100) === 0) {
      report(
        `Service '${name}': warning: ${label} executable '${exe}' is not executable by owner.`,
      );
    }
  };
  if (s.command.value !== '' && d.command.length > 0) checkCommand('command', d.command[0]);
  if (s.stopCommand.value !== '' && d.stopCommand.length > 0)
    checkCommand('stop command', d.stopCommand[0]);

  if (d.logType === 'file' && d.logfile !== undefined) {
    const raw = loaded.logfileSubst;
    const slash = raw.lastIndexOf('/');
    if (slash !== -1) {
      let end = slash;
      while (end > 0 && raw[end - 1] === '/') end--;
      const dir = end === 0 ? '/' : raw.slice(0, end);
      try {
        if (!fs.statSync(at(dir)).isDirectory()) {
          report(
            `Service '${name}': warning: logfile directory '${dir}' exists but is not a directory.`,
          );
        }
      } catch (e) {
        report(
          `Service '${name}': warning: could not access logfile directory '${dir}': ${errnoText(e)}`,
        );
      }
    }
  }
}

/** Entry point for bin/dinit-check. */
export function main(): void {
  runCheck(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      stdio.err(`${APP}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
