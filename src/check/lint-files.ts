// The file-system lints dinit-check adds to the loader's checks: the working directory, the
// command and stop-command executables, and the log file's directory.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedService } from '../config/read-description';
import { errnoText } from '../strerror';
import { fromText, toBytes } from '../bytes';

/** The file-system lint upstream's checker adds: working directory, executables, logfile directory. */
export function lintFiles(loaded: LoadedService, report: (t: string) => void, name: string): void {
  const s = loaded.settings;
  const d = loaded.description;
  const wdir =
    s.workingDir !== '' && d.workingDir !== undefined
      ? d.workingDir
      : path.resolve(loaded.serviceDirAsGiven);
  let base: string | undefined = wdir;
  try {
    if (!fs.statSync(toBytes(wdir)).isDirectory())
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    report(`Service '${name}': warning: could not open service working directory: ${errnoText(e)}`);
    base = undefined;
  }
  const at = (p: string): string => path.resolve(base ?? fromText(process.cwd()), p);

  const checkCommand = (label: string, exe: string): void => {
    if (!exe.startsWith('/')) {
      report(`Service '${name}': warning: ${label} executable '${exe}' is not an absolute path`);
      return;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(toBytes(at(exe)));
    } catch (e) {
      report(
        `Service '${name}': warning: could not stat ${label} executable '${exe}': ${errnoText(e)}`,
      );
      return;
    }
    if (!st.isFile())
      report(`Service '${name}': warning: ${label} executable '${exe}' is not a regular file.`);
    else if ((st.mode & 0o100) === 0) {
      report(
        `Service '${name}': warning: ${label} executable '${exe}' is not executable by owner.`,
      );
    }
  };
  if (s.command.value !== '' && d.command.length > 0) checkCommand('command', d.command[0]);
  if (s.stopCommand.value !== '' && d.stopCommand.length > 0)
    checkCommand('stop command', d.stopCommand[0]);

  if (d.logType === 'file' && d.logfile !== undefined) {
    const raw = loaded.logfileSubst;
    const slash = raw.lastIndexOf('/');
    if (slash !== -1) {
      let end = slash;
      while (end > 0 && raw[end - 1] === '/') end--;
      const dir = end === 0 ? '/' : raw.slice(0, end);
      try {
        if (!fs.statSync(toBytes(at(dir))).isDirectory()) {
          report(
            `Service '${name}': warning: logfile directory '${dir}' exists but is not a directory.`,
          );
        }
      } catch (e) {
        report(
          `Service '${name}': warning: could not access logfile directory '${dir}': ${errnoText(e)}`,
        );
      }
    }
  }
}
