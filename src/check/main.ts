// dinit-check: load the named services (default "boot") and everything they reach, report
// description errors and lint, then check consumer-of links, dependency depth and cycles.

import * as fs from 'node:fs';
import { EnvironmentRules, applyEnvFileText } from '../config/env-file';
import { defaultServiceDirs } from '../config/service-dirs';
import { ownArgs, ownEnv } from '../config/own-process';
import { outputBytes, toBytes } from '../bytes';
import { errnoText, strerrorCode } from '../strerror';
import type { ControlClient as ControlClientType } from '../client/control-client';
import { ControlError } from '../errors';
import { APP, checkServices, type CheckIo } from './check-services';

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

export type { CheckIo } from './check-services';

const stdio: CheckIo = {
  out: (t) => writeAll(1, t),
  err: (t) => writeAll(2, t),
};

function writeAll(fd: number, text: string): void {
  const buf = outputBytes(text);
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

/**
 * Run dinit-check with `argv` (without node and script); resolves to the exit status. Offline
 * checks run synchronously; --online first asks the running daemon for its service directories
 * and environment.
 */
export async function runCheck(
  argv: string[],
  io: CheckIo = stdio,
  env: NodeJS.ProcessEnv = ownEnv(),
): Promise<number> {
  const dirs: string[] = [];
  let userMode = typeof process.getuid === 'function' ? process.getuid() !== 0 : true;
  let envFile = '';
  let online = false;
  let socketPath = '';
  const toCheck: string[] = [];

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
      toCheck.push(a);
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
  return checkServices(toCheck, { serviceDirs, env: mainEnv, online }, io);
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
      text = fs.readFileSync(toBytes(envFile), 'latin1');
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
  const { clientSocketPath } =
    require('../config/socket-path') as typeof import('../config/socket-path');
  const { SSET_TYPE_DIRLOAD } = require('../protocol/codes') as typeof import('../protocol/codes');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const socketPath = socketOpt !== '' ? socketOpt : clientSocketPath(userMode, env);
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
        io.err(`${APP}: connecting to socket ${socketPath}: ${strerrorCode(e.data.errnoCode)}\n`);
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

/** Entry point for bin/dinit-check. */
export function main(): void {
  runCheck(ownArgs()).then(
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
