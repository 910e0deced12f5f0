// The fake host for core tests: implements the host port (Host) by recording log lines,
// service status lines and console hand-overs; the console is handed over at once, as a daemon
// with nothing left to flush does.

import type { Host, LogLevel, ServiceLogEvent } from '../../src/core/host';

export class FakeHost implements Host {
  readonly logs: { level: LogLevel; message: string }[] = [];
  /** "started name", "failed name (dep)", "stopped name", in order. */
  readonly serviceEvents: string[] = [];
  /** Console mute (false) and restore (true) requests, in order. */
  readonly consoleRequests: boolean[] = [];
  /** 'rwfs' and 'log' for each starts-rwfs / starts-log service that started, in order. */
  readonly milestones: string[] = [];

  constructor(private readonly socketPath?: string) {}

  log(level: LogLevel, message: string): void {
    this.logs.push({ level, message });
  }

  logServiceEvent(kind: ServiceLogEvent, name: string, depFailed: boolean): void {
    this.serviceEvents.push(`${kind} ${name}${depFailed ? ' (dep)' : ''}`);
  }

  setConsoleLogEnabled(enabled: boolean, released?: () => void): void {
    this.consoleRequests.push(enabled);
    released?.();
  }

  controlSocketPath(): string | undefined {
    return this.socketPath;
  }

  rootFsWritable(): void {
    this.milestones.push('rwfs');
  }

  logReady(): void {
    this.milestones.push('log');
  }

  /** True if some log line contains text (at `level`, when given). */
  logged(text: string, level?: LogLevel): boolean {
    return this.logs.some(
      (l) => l.message.includes(text) && (level === undefined || l.level === level),
    );
  }
}
