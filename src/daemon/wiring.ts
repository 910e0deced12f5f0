// The real parts of the daemon: the platform's Os adapter, the file-based description source,
// the core's ServiceSet and the control server. Kept apart from daemon.ts so that tests can run
// the lifecycle with other parts, and so that main() loads these only when it runs the daemon.

import {
  connectLogSocket,
  createOs,
  memoryReleaser,
  type CreateOsOptions,
} from '../../adapters/index';
import { FileDescriptionSource } from '../config/file-source';
import type { ServiceManager } from '../core/api';
import type { Host } from '../core/host';
import type { Os } from '../core/os';
import { ServiceSet } from '../core/service-set';
import type { ControlContext, ControlLike, DaemonParts, DescriptionSourceLike } from './daemon';
import type { DaemonLog } from './log';
import type { DaemonOptions } from './options';
import { ControlServer } from './control';
import { EnvStore } from './env-store';
import { messageForErrnoCode } from './log';
import type { ControlSocketError } from '../errors';

/** The daemon's global environment, shared by the description source and the control server. */
let envStore: EnvStore | undefined;

function globalEnv(env: Record<string, string>): EnvStore {
  if (envStore === undefined) envStore = new EnvStore(env);
  return envStore;
}

function makeOs(
  log: DaemonLog,
  opts: DaemonOptions,
  exitReports?: CreateOsOptions['exitReports'],
): Os {
  // As upstream, a system manager takes relative run-in-cgroup paths from the root.
  const cgroupPath = opts.cgroupPath ?? (opts.systemMgr ? '/' : undefined);
  return createOs({ log: (level, msg) => log.osLog(level, msg), exitReports, cgroupPath });
}

function makeSource(
  serviceDirs: string[],
  env: Record<string, string>,
  log: DaemonLog,
): DescriptionSourceLike {
  const store = globalEnv(env);
  return new FileDescriptionSource({
    serviceDirs,
    getEnv: () => store.toRecord(),
    onWarning: (message) => log.log('warn', message),
  });
}

function makeManager(os: Os, host: Host, source: DescriptionSourceLike): ServiceManager {
  return new ServiceSet(os, host, source);
}

function makeControl(
  manager: ServiceManager,
  env: Record<string, string>,
  ctx: ControlContext,
): ControlLike {
  const server = new ControlServer(manager, globalEnv(env), {
    serviceDirs: ctx.serviceDirs,
    onShutdown: (type) => ctx.onShutdown(type),
    onReexec: () => ctx.onReexec(),
    log: (level, msg) => ctx.log.log(level, msg),
  });
  return {
    listen: async (path: string) => {
      try {
        await server.listen(path);
      } catch (err) {
        const code = (err as ControlSocketError).errnoCode;
        // Upstream's wording, with strerror() text for the system error.
        const reason = code !== undefined ? messageForErrnoCode(code) : (err as Error).message;
        throw Object.assign(new Error(`Error binding control socket: ${reason}`), { code });
      }
    },
    close: () => server.close(),
  };
}

/** The parts main() runs the daemon with. */
export const realParts: DaemonParts = {
  createOs: makeOs,
  createSource: (dirs, env, log) => makeSource(dirs, env, log),
  createManager: makeManager,
  createControl: makeControl,
  connectLogSocket,
  memoryReleaser,
};
