// The shape of a dinitctl subcommand (one per file in commands/) and the context it runs in.
// Deliberately free of @oclif/core so that running a command loads only what it needs;
// src/cli/oclif.ts turns these specs into oclif Command classes for help and the manifest.

import type { CommandLine } from './argv';
import type { CtlPort } from './port';

/** A flag a subcommand accepts (beyond the global ones). */
export interface FlagSpec {
  name: string;
  char?: string;
  description: string;
  /** The flag takes a value (e.g. --from <service>). */
  value?: string;
}

/** A positional argument of a subcommand. */
export interface ArgSpec {
  name: string;
  description: string;
  required: boolean;
}

/** Where a command writes and how it reaches the daemon. */
export interface CommandContext {
  cl: CommandLine;
  /** False with --quiet: informational output is suppressed, errors are not. */
  verbose: boolean;
  out(text: string): void;
  /** Write raw bytes to standard output (catlog). */
  outRaw(data: Buffer): void;
  err(text: string): void;
  /** Connect to the daemon (socket from the command line, environment or default). */
  connect(): Promise<CtlPort>;
  env: NodeJS.ProcessEnv;
}

/** One dinitctl subcommand. */
export interface CommandSpec {
  id: string;
  summary: string;
  /** Usage after "dinitctl [options] ". */
  usage: string;
  args: ArgSpec[];
  flags: FlagSpec[];
  /** Run the command; resolves with the exit code. May throw CliError. */
  run(ctx: CommandContext): Promise<number>;
}

/** Common flag descriptions, shared by the command files. */
export const FLAGS = {
  noWait: { name: 'no-wait', description: "don't wait for service startup/shutdown to complete" },
  pin: { name: 'pin', description: 'pin the service in the requested state' },
  force: { name: 'force', char: 'f', description: 'stop even if dependents will be affected' },
  ignoreUnstarted: {
    name: 'ignore-unstarted',
    description: 'succeed (doing nothing) if the service is not started',
  },
  offline: {
    name: 'offline',
    char: 'o',
    description: 'edit service files without contacting the daemon',
  },
  servicesDir: {
    name: 'services-dir',
    char: 'd',
    value: 'dir',
    description: 'service description directory (offline mode; may be repeated)',
  },
  from: {
    name: 'from',
    value: 'service',
    description: 'the service to enable from (default: boot)',
  },
  clear: { name: 'clear', description: 'clear the log buffer after printing it' },
  list: { name: 'list', char: 'l', description: 'list the supported signal names' },
} satisfies Record<string, FlagSpec>;

/** The positional argument most commands take. */
export const SERVICE_ARG: ArgSpec = {
  name: 'service-name',
  description: 'name of the service',
  required: true,
};
