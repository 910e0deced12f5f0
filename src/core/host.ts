// The host port: what the core needs from the daemon that runs it (its log, the console, the
// control socket path), as opposed to the kernel port in os.ts. src/daemon implements it;
// test/support/fake-host.ts records it for tests. Both ports are complete at construction.

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error';

/** The service status changes the daemon reports on its console and in its main log. */
export type ServiceLogEvent = 'started' | 'stopped' | 'failed';

export interface Host {
  /** Log a line through the daemon's log (console and main log, each with its own level). */
  log(level: LogLevel, message: string): void;

  /**
   * Log a service's start, stop or start failure: upstream prints "[  OK  ] name" (or
   * "[FAILED]", "[STOPPD]") on the console and "service name started." in the main log.
   * depFailed: the start failed because a dependency failed (a warning on the console).
   */
  logServiceEvent(kind: ServiceLogEvent, name: string, depFailed: boolean): void;

  /**
   * Mute or restore the daemon's console output while a service has the console
   * (starts-on-console / runs-on-console). When muting, the host calls `released` once its
   * pending console output has been flushed; the core then hands the console to the first
   * queued service. `released` may be called synchronously when nothing is pending.
   */
  setConsoleLogEnabled(enabled: boolean, released?: () => void): void;

  /**
   * The daemon's control socket path once it listens, else undefined. The core puts it in a
   * ProcessSpec for pass-cs-fd services; without it such a launch fails with "not supported yet".
   */
  controlSocketPath(): string | undefined;

  /**
   * A service with the starts-rwfs option has started (or was resumed as started): the root
   * filesystem is writable now. The daemon retries what needed it (the log file, the boot
   * record in utmp and wtmp).
   */
  rootFsWritable(): void;

  /**
   * A service with the starts-log option has started (or was resumed as started): the system
   * log daemon is up, so the daemon connects its main log to it and sends what it held.
   */
  logReady(): void;
}
