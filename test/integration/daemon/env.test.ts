// The real daemon builds a service's environment as upstream does: Dinit's environment (with
// `dinitctl setenv`), filtered by the env-file's !clear / !unset / !import, then its variables.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBuilt, sandboxAll, type Dinit } from '../../support/daemon';

/** Variables a service printed with /usr/bin/env into its log file. */
function envOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

(isBuilt() ? describe : describe.skip)('env-file rules on the real daemon', () => {
  const sb = sandboxAll('dinit-core-env-');
  let d: Dinit;
  const ctl = (...args: string[]) => d.ctlOut(...args);

  beforeAll(async () => {
    const svc = (name: string, envText: string): void => {
      fs.writeFileSync(path.join(sb.sd, `${name}.env`), envText);
      sb.service(
        name,
        'type = scripted',
        'command = /usr/bin/env',
        `logfile = ${sb.path(`${name}.out`)}`,
        `env-file = ${name}.env`,
        'load-options = export-service-name',
      );
    };
    sb.service('boot', 'type = internal');
    svc('cleared', '!clear\n!import KEEP\n!import NOT_THERE\nA=1\n');
    svc('unset', '!unset DROP\nB=2\n');
    svc('reimport', '!unset DROP\n!import DROP\nC=3\n');
    d = await sb.start([], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KEEP: 'k', DROP: 'd' },
    });
    expect(ctl('setenv', 'GLOBAL=g').status).toBe(0);
  });

  test('!clear keeps only imported names, and drops DINIT_SERVICE set before it', () => {
    expect(ctl('start', 'cleared').status).toBe(0);
    const env = envOf(sb.read('cleared.out'));
    expect(env).toEqual({ KEEP: 'k', A: '1' });
  });

  test('!unset drops an inherited name; setenv values and DINIT_SERVICE still arrive', () => {
    expect(ctl('start', 'unset').status).toBe(0);
    const env = envOf(sb.read('unset.out'));
    expect(env.DROP).toBeUndefined();
    expect(env).toMatchObject({ KEEP: 'k', GLOBAL: 'g', B: '2', DINIT_SERVICE: 'unset' });
  });

  test('!import after !unset brings the name back', () => {
    expect(ctl('start', 'reimport').status).toBe(0);
    const env = envOf(sb.read('reimport.out'));
    expect(env).toMatchObject({ KEEP: 'k', DROP: 'd', C: '3' });
  });
});

(isBuilt() ? describe : describe.skip)('NODE_EXTRA_CA_CERTS on the real daemon', () => {
  const sb = sandboxAll('dinit-core-ca-env-');
  let d: Dinit;

  beforeAll(async () => {
    sb.service('boot', 'type = internal');
    sb.service(
      'show',
      'type = scripted',
      'command = /usr/bin/env',
      `logfile = ${sb.path('show.out')}`,
    );
    d = await sb.start([], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_EXTRA_CA_CERTS: '/no/such/ca.pem' },
    });
  });

  test("the daemon's Node starts without it (no certificates read) and services still get it", () => {
    // What the launcher exec'd Node with: the variable kept aside, not set.
    const initial = envOf(fs.readFileSync(`/proc/${d.pid}/environ`, 'latin1').replace(/\0/g, '\n'));
    expect(initial.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(initial.DINIT_TS_EXTRA_CA_CERTS).toBe('/no/such/ca.pem');
    expect(d.ctlOut('start', 'show').status).toBe(0);
    const env = envOf(sb.read('show.out'));
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/no/such/ca.pem');
    expect(env.DINIT_TS_EXTRA_CA_CERTS).toBeUndefined();
  });
});
