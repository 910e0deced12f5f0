// dinit-monitor: watch services (or the daemon's activation environment) and run a command
// for each change, with %n (name), %s (status text) and %v (variable value) substituted.

import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import type { ClientEvent, ControlClient } from '../client/control-client';
import { clientSocketPath } from '../config/socket-path';
import { ownArgs, ownEnv } from '../config/own-process';
import { outputBytes, toText } from '../bytes';
import { strerrorCode } from '../strerror';
import type { ServiceEvent, ServiceState } from '../model';
import { ControlError, UsageError } from '../errors';

/** The monitor's command line. */
export interface MonitorOptions {
  help: boolean;
  version: boolean;
  exitAfter: boolean;
  env: boolean;
  user: boolean;
  initial: boolean;
  socketPath: string | undefined;
  strStarted: string;
  strStopped: string;
  strFailed: string;
  strSet: string;
  strUnset: string;
  command: string | undefined;
  names: string[];
}

const VALUE_OPTIONS: Record<string, keyof MonitorOptions> = {
  '--str-started': 'strStarted',
  '--str-stopped': 'strStopped',
  '--str-failed': 'strFailed',
  '--str-set': 'strSet',
  '--str-unset': 'strUnset',
};

/**
 * Parse dinit-monitor's arguments (without the program name), as upstream does: unknown
 * options are ignored, anything else is a service (or variable) name. Throws UsageError.
 */
export function parseMonitorArgs(argv: readonly string[], isRoot: boolean): MonitorOptions {
  const o: MonitorOptions = {
    help: argv.length === 0,
    version: false,
    exitAfter: false,
    env: false,
    user: !isRoot,
    initial: false,
    socketPath: undefined,
    strStarted: 'started',
    strStopped: 'stopped',
    strFailed: 'failed',
    strSet: 'set',
    strUnset: 'unset',
    command: undefined,
    names: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) {
      o.names.push(a);
      continue;
    }
    if (a === '--help') {
      o.help = true;
      break;
    }
    if (a === '--version') {
      o.version = true;
      return o;
    }
    if (a === '--exit' || a === '-e') o.exitAfter = true;
    else if (a === '--env' || a === '-E') o.env = true;
    else if (a === '--system' || a === '-s') o.user = false;
    else if (a === '--user' || a === '-u') o.user = true;
    else if (a === '--initial' || a === '-i') o.initial = true;
    else if (a === '--socket-path' || a === '-p') {
      if (++i === argv.length)
        throw new UsageError('--socket-path/-p should be followed by socket path');
      o.socketPath = argv[i];
    } else if (a === '-c' || a === '--command') {
      if (++i === argv.length) throw new UsageError('--command/-c should be followed by command');
      o.command = argv[i];
    } else if (Object.prototype.hasOwnProperty.call(VALUE_OPTIONS, a)) {
      if (++i === argv.length) throw new UsageError(`${a} should be followed by an argument`);
      (o as unknown as Record<string, string>)[VALUE_OPTIONS[a]] = argv[i];
    }
  }
  return o;
}

/** Split a command into words at whitespace; a double-quoted run keeps its spaces. */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = cmd.length;
  const space = (c: string) =>
    c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
  while (i < n) {
    while (i < n && space(cmd[i])) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !space(cmd[i])) {
      if (cmd[i] === '"') {
        i++;
        while (i < n && cmd[i] !== '"') i++;
      }
      i++;
    }
    words.push(cmd.slice(start, Math.min(i, n)));
  }
  return words;
}

/**
 * Expand one command word: %n name, %s status text, %v value (empty when none), %% one %; a
 * lone trailing % stays; other %x pairs are kept as written; double quotes are removed.
 * (Dinit 0.22's code means the same but, for %% and unknown pairs, copies a byte from the wrong
 * string; we follow its documented behaviour, which is what its man page promises.)
 */
export function expandWord(
  word: string,
  name: string,
  status: string,
  value: string | undefined,
): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if (c === '%') {
      i++;
      if (i >= word.length) {
        out += '%';
        break;
      }
      const d = word[i];
      if (d === 'n') out += name;
      else if (d === 'v') out += value ?? '';
      else if (d === 's') out += status;
      else if (d === '%') out += '%';
      else out += '%' + d;
    } else if (c !== '"') {
      out += c;
    }
  }
  return out;
}

/** The help text (upstream exits 1 after printing it). */
export function monitorHelp(): string {
  return (
    'dinit-monitor:   monitor Dinit services\n\n' +
    'Usage:\n    dinit-monitor [options] <service-names|environ-names...>\n\n' +
    'Options:\n' +
    '  --help           : show this help\n' +
    '  -e, --exit       : exit after the first issued command\n' +
    '  -E, --env        : monitor activation environment changes\n' +
    '  -s, --system     : monitor system daemon (default if run as root)\n' +
    '  -u, --user       : monitor user daemon\n' +
    '  -i, --initial    : also execute command for initial service state\n' +
    '  --str-started <started-text>\n' +
    '                   : specify text describing status when service starts\n' +
    '  --str-stopped <stopped-text>\n' +
    '                   : specify text describing status when service stops\n' +
    '  --str-failed <failed-text>\n' +
    '                   : specify text describing status when service fails\n' +
    '  --str-set <set-text>, --str-unset <unset-text>\n' +
    '                   : text for a variable being set / unset (with --env)\n' +
    '  --socket-path <path>, -p <path>\n' +
    '                   : specify socket for communication with daemon\n' +
    '  -c, --command    : specify command to execute on service status change\n' +
    '                     (%n for service name, %s for status, %v for variable value)\n'
  );
}

/** I/O of one monitor run (replaced in tests). */
export interface MonitorIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
}

/** Run the notification command and wait for it, reporting an unsuccessful end. */
function issueCommand(
  io: MonitorIO,
  words: string[],
  name: string,
  status: string,
  value?: string,
): void {
  // Byte strings, as text for child_process (which encodes them as UTF-8): bytes that are not
  // UTF-8 cannot be passed this way, and the command is refused rather than given other bytes.
  const argv = words.map((w) => toText(expandWord(w, name, status, value)));
  if (argv.some((a) => a === undefined)) {
    io.err('dinit-monitor: exec: an argument is not valid UTF-8 (not supported)\n');
    return;
  }
  const text = argv as string[];
  const r = spawnSync(text[0], text.slice(1), { stdio: 'inherit' });
  if (r.error !== undefined) {
    io.err(
      `dinit-monitor: exec: ${strerrorCode((r.error as NodeJS.ErrnoException).code ?? 'EIO')}\n`,
    );
    return;
  }
  if (r.signal !== null) {
    const num = (constants.signals as Record<string, number>)[r.signal] ?? 0;
    io.err(`dinit-monitor: notification command terminated due to signal ${num}\n`);
  } else if (r.status !== 0) {
    io.err(`dinit-monitor: notification command terminated with exit status ${r.status}\n`);
  }
}

/** The notification command's words and the socket, or the exit code when the line is wrong. */
function prepare(
  argv: readonly string[],
  io: MonitorIO,
): { o: MonitorOptions; words: string[]; socketPath: string } | number {
  let o: MonitorOptions;
  try {
    o = parseMonitorArgs(argv, io.isRoot);
  } catch (e) {
    io.err(`dinit-monitor: ${(e as Error).message}\n`);
    return 1;
  }
  if (o.version) {
    io.out('Dinit version 0.22.1.\n');
    return 0;
  }
  if (o.help) {
    io.out(monitorHelp());
    return 1;
  }
  const words = splitCommand(o.command ?? '');
  const problem =
    o.names.length === 0 && !o.env
      ? 'specify at least one service name'
      : o.command === undefined
        ? 'command must specified'
        : words.length === 0
          ? 'specified command is empty'
          : undefined;
  if (problem !== undefined) {
    io.err(`dinit-monitor: ${problem}\n`);
    return 1;
  }
  const socketPath = o.socketPath ?? clientSocketPath(o.user, io.env);
  if (socketPath === undefined) {
    io.err(
      'dinit-monitor: cannot locate user home directory (set XDG_RUNTIME_DIR, HOME, check /etc/passwd file, or specify socket path via -p)\n',
    );
    return 1;
  }
  return { o, words, socketPath };
}

/** Events in arrival order, taken one at a time (each command runs to completion first). */
class EventQueue {
  private readonly pending: ClientEvent[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(ev: ClientEvent): void {
    this.pending.push(ev);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** The next event; null once the connection closed and every event was taken. */
  async next(): Promise<ClientEvent | null> {
    while (this.pending.length === 0) {
      if (this.closed) return null;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
    return this.pending.shift() as ClientEvent;
  }
}

/** A monitor at work: what it watches and what it runs. */
interface Watch {
  o: MonitorOptions;
  io: MonitorIO;
  words: string[];
  /** Watched services by handle (service mode). */
  names: Map<number, string>;
  /** Watched variables (environment mode; empty: all). */
  vars: Set<string>;
}

/** The status text for a service state or event, if the command runs for it. */
function statusText(o: MonitorOptions, what: ServiceState | ServiceEvent): string | undefined {
  if (what === 'started') return o.strStarted;
  if (what === 'stopped') return o.strStopped;
  if (what === 'failedstart') return o.strFailed;
  return undefined;
}

/** Run the command for a variable change if it is watched; true when it ran. */
function onVar(w: Watch, envVar: string): boolean {
  const eq = envVar.indexOf('=');
  const name = eq === -1 ? envVar : envVar.slice(0, eq);
  if (w.vars.size > 0 && !w.vars.has(name)) return false;
  if (eq === -1) issueCommand(w.io, w.words, name, w.o.strUnset);
  else issueCommand(w.io, w.words, name, w.o.strSet, envVar.slice(eq + 1));
  return true;
}

/** Run the command for one event, if it is watched; true when it ran. */
function onEvent(w: Watch, ev: ClientEvent): boolean {
  if (ev.kind === 'env') return w.o.env && onVar(w, ev.envVar);
  const name = w.o.env ? undefined : w.names.get(ev.handle);
  const text = name === undefined ? undefined : statusText(w.o, ev.event);
  if (name === undefined || text === undefined) return false;
  issueCommand(w.io, w.words, name, text);
  return true;
}

/**
 * Load the watched services (or start listening to the environment) and run the command for
 * the initial states when asked. Resolves with the exit code when the monitor is already done,
 * else with the watch.
 */
async function startWatch(
  client: ControlClient,
  o: MonitorOptions,
  io: MonitorIO,
  words: string[],
): Promise<Watch | number> {
  const w: Watch = { o, io, words, names: new Map(), vars: new Set(o.env ? o.names : []) };
  const initial: Array<[string, ServiceState]> = [];
  for (const name of o.env ? [] : o.names) {
    const r = await client.loadService(name);
    if (r.kind !== 'found') {
      io.err(
        r.kind === 'noservice'
          ? `dinit-monitor: cannot load service: ${name}\n`
          : 'dinit-monitor: protocol error\n',
      );
      return 1;
    }
    w.names.set(r.handle, name);
    initial.push([name, r.state]);
  }
  if (o.env) {
    if (client.protocolVersion < 5) {
      io.err('dinit-monitor: server too old or protocol error\n');
      return 1;
    }
    await client.listenEnv();
    if (o.initial) {
      for (const kv of await client.getAllEnv()) if (onVar(w, kv) && o.exitAfter) return 0;
    }
  } else if (o.initial) {
    for (const [name, state] of initial) {
      const text = statusText(o, state);
      if (text === undefined) continue;
      issueCommand(io, words, name, text);
      if (o.exitAfter) return 0;
    }
  }
  return w;
}

/** The message for a connection or protocol failure. */
function reportFailure(e: unknown, socketPath: string, io: MonitorIO): number {
  if (!(e instanceof ControlError)) {
    io.err(`dinit-monitor: ${(e as Error).message}\n`);
    return 1;
  }
  const messages: Partial<Record<ControlError['kind'], string>> = {
    connect: `connecting to socket ${socketPath}: ${strerrorCode(e.data.errnoCode ?? 'EIO')}`,
    'old-client': 'too old (server reports newer protocol version)',
    'old-server': 'server too old or protocol error',
    closed: 'control socket read failure or protocol error',
  };
  io.err(`dinit-monitor: ${messages[e.kind] ?? 'protocol error'}\n`);
  return 1;
}

/**
 * Run dinit-monitor; resolves with the exit code once it stops (after the first command with
 * --exit, or when the daemon closes the connection). Never rejects.
 */
export async function runMonitor(argv: readonly string[], io: MonitorIO): Promise<number> {
  const start = prepare(argv, io);
  if (typeof start === 'number') return start;
  const { o, words, socketPath } = start;
  const { ControlClient: Client } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../client/control-client') as typeof import('../client/control-client');
  const events = new EventQueue();
  let client: ControlClient | undefined;
  try {
    client = await Client.connect(socketPath, { onEvent: (ev) => events.push(ev) });
    const w = await startWatch(client, o, io, words);
    if (typeof w === 'number') return w;
    void client.waitForClose().then(() => events.close());
    for (let ev = await events.next(); ev !== null; ev = await events.next()) {
      if (onEvent(w, ev) && o.exitAfter) return 0;
    }
    io.err('dinit-monitor: connection closed by server\n');
    return 1;
  } catch (e) {
    return reportFailure(e, socketPath, io);
  } finally {
    client?.close();
  }
}

/** Process entry: run with process.argv and exit with the resulting code. */
export function main(): void {
  void runMonitor(ownArgs(), {
    out: (t) => process.stdout.write(outputBytes(t)),
    err: (t) => process.stderr.write(outputBytes(t)),
    env: ownEnv(),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  }).then((code) => process.exit(code));
}
