// The DescriptionSource the daemon gives the core: loads descriptions from service directories
// with the current global environment.

import { loadServiceDescription } from './read-description';
import type { ServiceDescription, DescriptionSource } from './types';
import type { UserDb } from './users';

export interface FileDescriptionSourceOptions {
  serviceDirs: string[];
  /** The current global environment (dinit's env plus runtime setenv/unsetenv). */
  getEnv: () => Record<string, string>;
  userDb?: UserDb;
  /** Receives non-fatal loader warnings (e.g. an unreadable .d directory). */
  onWarning?: (message: string) => void;
}

/** Loads service descriptions from files. load() throws ServiceLoadError (see loadServiceDescription). */
export class FileDescriptionSource implements DescriptionSource {
  constructor(private readonly opts: FileDescriptionSourceOptions) {}

  /** The directories searched, in order (for QUERYSERVICEDSCDIR and offline enable). */
  get serviceDirs(): readonly string[] {
    return this.opts.serviceDirs;
  }

  load(name: string): ServiceDescription {
    return loadServiceDescription(name, {
      serviceDirs: this.opts.serviceDirs,
      env: this.opts.getEnv(),
      userDb: this.opts.userDb,
      onWarning: this.opts.onWarning,
    });
  }

  environment(): Record<string, string> {
    return this.opts.getEnv();
  }
}
