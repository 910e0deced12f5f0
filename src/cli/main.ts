// dinitctl's entry point: parse the command line the upstream way, load only the subcommand
// that runs, and turn every error into one "dinitctl: ..." message and an exit code.

import { writeSync } from 'node:fs';
import { type CommandLine, parseCommandLine, valueOptions } from './argv';
import type { CommandContext, CommandRun } from './command';
import type { CtlPort } from './port';
import { commandSpec } from './table';
import { clientSocketPath } from '../config/socket-path';
import { ownArgs, ownEnv } from '../config/own-process';
import { outputBytes } from '../bytes';
import { strerrorCode } from '../strerror';
import { CliError, ControlError, UsageError } from '../errors';

/** The version line printed by --version. */
export const VERSION_LINE = 'Dinit version 0.22.1.\n';

/** I/O and environment of one dinitctl run (replaced in tests). */
export interface CliIO {
  out(text: string): void;
  outRaw(data: Buffer): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  /**
   * From now on, write standard output through Node's stream (before a command that writes to
   * process.stdout itself, so that both keep their order and a closed pipe is handled alike).
   */
  useStdoutStream?(): void;
  /** Open a connection; the default uses src/client through src/cli/client-adapter. */
  connect?: (target: { path: string } | { fd: number }) => Promise<CtlPort>;
}

/** The default export of commands/<id>.ts (only that file is loaded). */
export function loadCommand(id: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`../../commands/${id}`) as { default: unknown }).default;
}

/** The context a command runs in: its parsed line, `io`, and a connection made on demand. */
export function makeContext(cl: CommandLine, io: CliIO): CommandContext {
  let port: CtlPort | undefined;
  return {
    cl,
    verbose: !cl.quiet,
    out: io.out,
    outRaw: io.outRaw,
    err: io.err,
    get env() {
      return io.env;
    },
    async connect(): Promise<CtlPort> {
      if (port !== undefined) return port;
      const open =
        io.connect ??
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('./client-adapter') as typeof import('./client-adapter')).openPort;
      if (cl.usePassedCfd) {
        const v = io.env.DINIT_CS_FD;
        const fd = v === undefined ? NaN : parseInt(v, 10);
        if (!Number.isNaN(fd) && fd >= 0) {
          port = await open({ fd });
          return port;
        }
      }
      let path = cl.socketPath;
      if (path === undefined) {
        path = clientSocketPath(cl.user, io.env);
        if (path === undefined) {
          throw new CliError(
            'ENOSOCKDIR',
            'cannot determine control socket directory (set XDG_RUNTIME_DIR or HOME, check /etc/passwd file, or specify socket path via -p)',
          );
        }
      }
      port = await open({ path });
      return port;
    },
    async reconnect(): Promise<CtlPort> {
      port?.close();
      port = undefined;
      return this.connect();
    },
  };
}

/** Write the message of an error that ended the run; returns the exit code. */
export function reportError(e: unknown, cl: CommandLine | undefined, io: CliIO): number {
  if (e instanceof UsageError) {
    io.err(`dinitctl: ${e.message}\n`);
    if (e.generic) io.err("Try 'dinitctl --help' for more information.\n");
    return 1;
  }
  if (e instanceof ControlError && e.kind === 'connect') {
    io.err(
      `dinitctl: connecting to socket: ${e.data.path ?? ''}: ${strerrorCode(e.data.errnoCode ?? 'EIO')}\n`,
    );
    if (
      cl !== undefined &&
      cl.user &&
      e.data.errnoCode === 'ENOENT' &&
      cl.socketPath === undefined
    ) {
      io.err('dinitctl: perhaps no user instance is running?\n');
    }
    return 1;
  }
  if (e instanceof CliError) {
    io.err(`dinitctl: ${e.message}\n`);
    return e.exitCode;
  }
  const kind = e instanceof ControlError ? e.kind : undefined;
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (kind === 'protocol' || (e instanceof CliError && e.reason === 'EPROTO')) {
    io.err('dinitctl: protocol error\n');
    return 1;
  }
  if (kind === 'closed' || errno === 'ECONNRESET' || errno === 'EPIPE') {
    io.err('dinitctl: control socket read failure or protocol error\n');
    return 1;
  }
  if (kind === 'old-server') {
    io.err('dinitctl: daemon too old or protocol error\n');
    return 1;
  }
  if (kind === 'old-client') {
    io.err('dinitctl: too old (daemon reports newer protocol version)\n');
    return 1;
  }
  io.err(`dinitctl: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}

/** Print the help of one subcommand through oclif (loaded only here). */
async function commandHelp(id: string, io: CliIO): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderCommandHelp } = require('./oclif-help') as typeof import('./oclif-help');
  io.out(await renderCommandHelp(id));
  return 0;
}

/** The general help, or with `topic` the help of that subcommand. */
async function help(topic: string | undefined, io: CliIO): Promise<number> {
  if (topic !== undefined) return commandHelp(topic, io);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  io.out((require('./help') as typeof import('./help')).generalHelp());
  return 0;
}

/** The word after `help` in `dinitctl [options] help [command]` (ours; upstream has --help). */
function helpTopic(argv: readonly string[]): { topic: string | undefined } | undefined {
  const takesValue = valueOptions();
  for (let i = 0; i < argv.length; i++) {
    if (takesValue.includes(argv[i])) i++;
    else if (!argv[i].startsWith('-'))
      return argv[i] === 'help' ? { topic: argv[i + 1] } : undefined;
  }
  return undefined;
}

/** Run subcommand `id` of the parsed line `cl`; resolves with the exit code. */
async function runCommand(id: string, argv: readonly string[], cl: CommandLine, io: CliIO) {
  const spec = commandSpec(id);
  if (cl.offline && !spec?.flags.includes('offline')) {
    throw new CliError('EOFFLINE', 'offline mode (--offline/-o) not supported for this command');
  }
  if (spec?.oclif) {
    // A command of our own, written as an oclif command: oclif parses and runs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runOclifCommand } = require('./oclif-help') as typeof import('./oclif-help');
    io.useStdoutStream?.();
    const at = argv.indexOf(id);
    return runOclifCommand(id, [...argv.slice(0, at), ...argv.slice(at + 1)]);
  }
  return (loadCommand(id) as CommandRun)(makeContext(cl, io));
}

/**
 * Run dinitctl with `argv` (without the program name). Resolves with the exit code; never
 * rejects. Output goes through `io`.
 */
export async function runDinitctl(argv: readonly string[], io: CliIO): Promise<number> {
  let cl: CommandLine | undefined;
  try {
    if (argv[0] === '--complete') {
      // For the scripts in completions/ (not a documented option).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { complete } = require('./complete') as typeof import('./complete');
      return await complete(argv.slice(1), io, (line) => makeContext(line, io).connect());
    }
    const asked = helpTopic(argv);
    if (asked !== undefined) {
      if (asked.topic !== undefined && commandSpec(asked.topic) === undefined) {
        io.err(`dinitctl: unrecognized command: ${asked.topic} (use --help for help)\n`);
        return 1;
      }
      return await help(asked.topic, io);
    }
    cl = parseCommandLine(argv, io.isRoot);
    if (cl.version) {
      io.out(VERSION_LINE);
      // dinit-ts extension: `--version --verbose` adds a line naming this implementation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const version = require('../version') as typeof import('../version');
      if (version.wantsVerboseVersion(argv)) io.out(version.implementationLine());
      return 0;
    }
    if (cl.help) return await help(cl.command, io);
    return await runCommand(cl.command as string, argv, cl, io);
  } catch (e) {
    return reportError(e, cl, io);
  }
}

/** Whether this process runs as root (which makes the system daemon the default). */
export function runsAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Node's stdout stream, once output went through it (see writeOut). */
let stdoutStream: NodeJS.WriteStream | undefined;

/** Exit as after a reader that went away: with the code set so far, else 0. */
function exitOnBrokenPipe(): never {
  return process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
}

/**
 * Write `data` to standard output at once. On Linux Node's own stream writes files, pipes and
 * terminals synchronously too; writing the descriptor directly spares every run the creation of
 * that stream (a pipe or terminal stream is a socket). Where the descriptor would block (a
 * non-blocking pipe shared with another process) or fails otherwise, the stream takes over and
 * does what Node does.
 */
function writeOut(data: Buffer): void {
  let done = 0;
  if (stdoutStream === undefined) {
    try {
      while (done < data.length) done += writeSync(1, data, done);
      return;
    } catch (e) {
      // A reader that went away (`dinitctl list | head -1`) is not an error worth a stack trace.
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') exitOnBrokenPipe();
    }
  }
  useStdoutStream().write(done === 0 ? data : data.subarray(done));
}

/** Node's stdout stream, from now on the way output goes (see writeOut). */
function useStdoutStream(): NodeJS.WriteStream {
  if (stdoutStream === undefined) {
    stdoutStream = process.stdout;
    stdoutStream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') exitOnBrokenPipe();
      throw e;
    });
  }
  return stdoutStream;
}

/** dinitctl's I/O on the process's own streams and environment. */
export function processIO(): CliIO {
  let env: NodeJS.ProcessEnv | undefined;
  return {
    // Names and descriptions are bytes: written as they are, so UTF-8 prints as UTF-8.
    out: (t) => writeOut(outputBytes(t)),
    outRaw: (d) => writeOut(d),
    err: (t) => process.stderr.write(outputBytes(t)),
    useStdoutStream,
    // Made when first read: most runs with -p never look at the environment.
    get env() {
      return (env ??= ownEnv());
    },
    isRoot: runsAsRoot(),
  };
}

/** Exit with `code` once standard output is flushed; the connection (if any) must not keep us alive. */
function exitWith(code: number): void {
  process.exitCode = code;
  if (stdoutStream === undefined || stdoutStream.writableLength === 0) process.exit(code);
  stdoutStream.once('drain', () => process.exit(code));
}

/** Process entry: run with the process's arguments (as bytes) and exit with the resulting code. */
export function main(): void {
  void runDinitctl(ownArgs(), processIO()).then(exitWith);
}

/**
 * Process entry for a line already parsed from `argv`, of a subcommand without help or version
 * (what quick-main's takes() accepts): runs it as main() would and exits with its code.
 */
export function mainParsed(cl: CommandLine, argv: readonly string[]): void {
  const io = processIO();
  void runCommand(cl.command as string, argv, cl, io)
    .catch((e: unknown) => reportError(e, cl, io))
    .then(exitWith);
}
