// Where the built native programs are (adapters/native/build): found from the sources (ts-jest)
// or from the compiled output (dist/adapters/<platform>); an environment variable overrides.

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The path of the built native program `name`: the value of `overrideVar` when it is set, else
 * adapters/native/build/<name> as seen from `fromDir` (a folder of adapters/, in the sources or
 * in dist/). Undefined when the file is missing or not executable.
 */
export function findNativeProgram(
  name: string,
  overrideVar: string,
  fromDir: string,
): string | undefined {
  const override = process.env[overrideVar];
  const candidates = override
    ? [override]
    : [
        path.resolve(fromDir, '..', 'native', 'build', name),
        path.resolve(fromDir, '..', '..', '..', 'adapters', 'native', 'build', name),
      ];
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The exec helper (DINIT_EXEC_HELPER overrides); undefined if it is not built. */
export function findExecHelper(fromDir: string): string | undefined {
  return findNativeProgram('dinit-exec-helper', 'DINIT_EXEC_HELPER', fromDir);
}
