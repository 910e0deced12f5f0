// The daemon's side of the core's host port (core/host.ts): the core's log lines, service
// status lines and console hand-over go to the DaemonLog; the control socket path comes from
// the daemon once it listens.

import type { Host } from '../core/host';
import type { DaemonLog } from './log';

/** A Host over the daemon's log; controlSocketPath() asks the daemon each time. */
export function daemonHost(
  log: DaemonLog,
  controlSocketPath: () => string | undefined,
  milestones: Pick<Host, 'rootFsWritable' | 'logReady'>,
): Host {
  return {
    log: (level, message) => log.osLog(level, message),
    logServiceEvent: (kind, name, depFailed) => {
      if (kind === 'started') log.serviceStarted(name);
      else if (kind === 'stopped') log.serviceStopped(name);
      else log.serviceFailed(name, depFailed);
    },
    setConsoleLogEnabled: (enabled, released) => log.setConsoleEnabled(enabled, released),
    controlSocketPath,
    rootFsWritable: () => milestones.rootFsWritable(),
    logReady: () => milestones.logReady(),
  };
}
