// dinit-shutdown (also run as "reboot" / "soft-reboot"): ask the init daemon to shut down,
// halt, power off, reboot, soft-reboot or kexec, over its control socket.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { SYSTEM_SOCKET_PATH, clientSocketPath } from '../config/socket-path';
import { strerrorCode } from '../strerror';
import type { ShutdownType } from '../model';
import { ControlError } from '../errors';

/** dinit-shutdown's command line. */
export interface ShutdownOptions {
  help: boolean;
  type: ShutdownType;
  /** --system: shut down directly, without the daemon (not supported yet). */
  direct: boolean;
  usePassedCfd: boolean;
  /** Our extension: the socket of the daemon to ask (default: the system daemon's). */
  socketPath: string;
}

/** The shutdown type an executable name implies (reboot, soft-reboot; else power off). */
export function defaultTypeFor(execName: string): ShutdownType {
  if (execName === 'reboot') return 'reboot';
  if (execName === 'soft-reboot') return 'softreboot';
  return 'poweroff';
}

/**
 * Parse the arguments (without the program name). Returns the options, or a string: the
 * error line for an unrecognized option.
 */
export function parseShutdownArgs(
  argv: readonly string[],
  execName: string,
  env: NodeJS.ProcessEnv,
): ShutdownOptions | string {
  const o: ShutdownOptions = {
    help: false,
    type: defaultTypeFor(execName),
    direct: false,
    usePassedCfd: false,
    socketPath: SYSTEM_SOCKET_PATH,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) {
      // A time argument (as other shutdown programs take) is not supported: show the help.
      o.help = true;
      continue;
    }
    if (a === '--help') {
      o.help = true;
      break;
    }
    switch (a) {
      case '--system':
        o.direct = true;
        break;
      case '-r':
        o.type = 'reboot';
        break;
      case '-h':
        o.type = 'halt';
        break;
      case '-p':
        o.type = 'poweroff';
        break;
      case '-s':
        o.type = 'softreboot';
        break;
      case '-k':
        o.type = 'kexec';
        break;
      case '--use-passed-cfd':
        o.usePassedCfd = true;
        break;
      case '--user': {
        const p = clientSocketPath(true, env);
        if (p === undefined)
          return 'cannot determine the user daemon socket (set XDG_RUNTIME_DIR or HOME)';
        o.socketPath = p;
        break;
      }
      case '--socket-path': {
        const p = argv[++i];
        if (p === undefined || p === '') return '--socket-path should be followed by socket path';
        o.socketPath = p;
        break;
      }
      default:
        return `Unrecognized command-line parameter: ${a}`;
    }
  }
  return o;
}

/** The help text, naming the executable as invoked. */
export function shutdownHelp(execName: string): string {
  return (
    `${execName} :   shutdown the system\n` +
    '  --help           : show this help\n' +
    '  -r               : reboot.\n' +
    '  -s               : soft-reboot (restart dinit with same boot-time arguments).\n' +
    '  -h               : halt system.\n' +
    '  -p               : power down (default).\n' +
    '  -k               : execute kernel loaded via kexec.\n' +
    '  --use-passed-cfd : use the socket file descriptor identified by the DINIT_CS_FD\n' +
    '                     environment variable to communicate with the init daemon.\n' +
    '  --system         : perform shutdown immediately, instead of issuing shutdown\n' +
    '                     command to the init program.\n' +
    '  --user           : ask the user daemon (its default socket) instead of the system one.\n' +
    '  --socket-path <path>\n' +
    '                   : ask the daemon listening on <path>.\n'
  );
}

/** I/O of one run (replaced in tests). */
export interface ShutdownIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

/**
 * Run dinit-shutdown; resolves with the exit code: 1 on any failure; 0 once the daemon, having
 * acknowledged, closes the connection (a system daemon usually ends us before that).
 */
export async function runShutdown(
  argv: readonly string[],
  execName: string,
  io: ShutdownIO,
): Promise<number> {
  const o = parseShutdownArgs(argv, execName, io.env);
  if (typeof o === 'string') {
    io.err(`${o}\n`);
    return 1;
  }
  if (o.help) {
    io.out(shutdownHelp(execName));
    return 1;
  }
  if (o.direct) return shutdownDirectly(o.type, execName, io);
  const { ControlClient } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../client/control-client') as typeof import('../client/control-client');
  let client;
  try {
    const fdText = o.usePassedCfd ? io.env.DINIT_CS_FD : undefined;
    const fd = fdText === undefined ? NaN : parseInt(fdText, 10);
    client = Number.isNaN(fd)
      ? await ControlClient.connect(o.socketPath)
      : await ControlClient.fromFd(fd);
  } catch (e) {
    if (e instanceof ControlError && e.kind === 'connect') {
      io.err(`connect: ${strerrorCode(e.data.errnoCode ?? 'EIO')}\n`);
    } else if (e instanceof ControlError && e.kind === 'old-client') {
      io.err('shutdown: too old (server reports newer protocol version)\n');
    } else if (e instanceof ControlError && e.kind === 'old-server') {
      io.err('shutdown: server too old or protocol error\n');
    } else {
      io.err('shutdown: control socket read failure or protocol error\n');
    }
    return 1;
  }
  try {
    io.out('Issuing shutdown command...\n');
    await client.shutdown(o.type);
  } catch (e) {
    io.err(
      e instanceof ControlError && e.kind === 'closed'
        ? 'shutdown: control socket read failure or protocol error\n'
        : 'shutdown: control socket protocol error\n',
    );
    client.close();
    return 1;
  }
  await client.waitForClose();
  return 0;
}

/**
 * --system: the final steps now, with no service stopped in order. As PID 1 (an init that runs
 * its shutdown program, as upstream's dinit does) this becomes the native init doing only the
 * final steps; under our init it asks PID 1 for an immediate shutdown of that type.
 */
function shutdownDirectly(type: string, execName: string, io: ShutdownIO): number {
  const unsupported = (why: string): number => {
    io.err(`${execName}: --system ${why} is not supported yet; run it without --system.\n`);
    return 1;
  };
  if (type !== 'halt' && type !== 'poweroff' && type !== 'reboot' && type !== 'kexec') {
    return unsupported(`with ${type}`);
  }
  if (process.pid === 1) {
    const { becomeFinalInit } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../../adapters/index') as typeof import('../../adapters/index');
    io.err(`${execName}: ${becomeFinalInit(type)}\n`);
    return 1;
  }
  let initName = '';
  try {
    initName = path.basename(fs.readlinkSync('/proc/1/exe'));
  } catch {
    // Not Linux, or no permission to look: treated as another init below.
  }
  if (initName !== 'dinit-init') return unsupported('when PID 1 is not dinit');
  try {
    process.kill(1, IMMEDIATE_SIGNALS[type]);
  } catch (e) {
    io.err(`${execName}: cannot signal init: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}

/** The immediate-shutdown signals the init takes (SIGRTMIN+13..16; glibc's SIGRTMIN is 34). */
const IMMEDIATE_SIGNALS = { halt: 47, poweroff: 48, reboot: 49, kexec: 50 } as const;

/** Process entry. */
export function main(): void {
  const execName = path.basename(process.argv[1] ?? 'dinit-shutdown');
  void runShutdown(process.argv.slice(2), execName, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
  }).then((code) => process.exit(code));
}
