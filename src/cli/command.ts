// What a dinitctl subcommand is at run time (the default export of commands/<id>.ts; its
// arguments and flags are in the command table, src/cli/table.ts) and the context it runs in.
// Deliberately free of @oclif/core so that running a command loads only what it needs.

import type { CommandLine } from './table';
import type { CtlPort } from './port';

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
  /**
   * Close the connection and make a new one, which connect() then returns (after a request an
   * upstream daemon answers by closing the connection, such as the dinit-ts extension's hello).
   */
  reconnect?(): Promise<CtlPort>;
  env: NodeJS.ProcessEnv;
}

/** Run one subcommand; resolves with the exit code. May throw CliError. */
export type CommandRun = (ctx: CommandContext) => Promise<number>;
