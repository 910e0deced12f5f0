// A ProcessSpec for adapter tests: a plain service (stdin from /dev/null, output discarded, in
// its own session), plus whatever the test sets on top.

import type { ProcessSpec } from '../../src/core/os';

export function processSpec(extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    serviceName: 'svc',
    argv: ['true'],
    env: { PATH: '/usr/bin:/bin' },
    stdin: { kind: 'null' },
    output: { kind: 'null' },
    newSession: true,
    onConsole: false,
    unmaskIntr: false,
    ...extra,
  };
}
