// The line that tells dinit-ts apart from upstream Dinit: `--version --verbose` prints it after
// upstream's own version text, which plain `--version` keeps byte for byte for scripts.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The version of this package, from the package.json above this file ('unknown' if none). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'dinit-ts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here; look further up.
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** "dinit-ts version X (Node.js vY).\n": this implementation, its version and its runtime. */
export function implementationLine(): string {
  return `dinit-ts version ${packageVersion()} (Node.js ${process.version}).\n`;
}

/** True when --verbose follows --version on a command line (upstream stops at --version). */
export function wantsVerboseVersion(argv: readonly string[]): boolean {
  const v = argv.indexOf('--version');
  return v >= 0 && argv.indexOf('--verbose', v + 1) > v;
}
