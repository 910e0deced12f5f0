// Service environment through the real daemon: the global env file (dinit -e), a service's
// env-file, dinitctl setenv/unsetenv for later starts, load-options export-passwd-vars and
// export-service-name, pass-cs-fd's DINIT_CS_FD, and working-dir.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isBuilt,
  parseEnv,
  PROBE,
  probeResult,
  sandboxEach,
  type Dinit,
  needsHelper,
} from '../../support/daemon';
import { isRoot } from '../../support/processes';

(isBuilt() ? describe : describe.skip)('service environment (real daemon)', () => {
  const sb = sandboxEach('dinit-linux-');
  let d: Dinit;

  /** Starts a scripted probe service, returns its environment, and stops it again. */
  async function runOnce(name: string, out: string): Promise<Map<string, string>> {
    fs.rmSync(path.join(out, 'done'), { force: true });
    const r = d.ctl('start', name);
    expect(r.stderr).toBe('');
    const env = parseEnv((await probeResult(out))('env'));
    expect(d.ctl('stop', name).status).toBe(0);
    return env;
  }

  it('gives services the global env file; a service env-file overrides it', async () => {
    const out = sb.outDir('out');
    fs.writeFileSync(path.join(sb.dir, 'global.env'), 'GLOBAL_ONE=g1\nSHARED=from-global\n');
    fs.writeFileSync(path.join(sb.dir, 'svc.env'), 'SHARED=from-service\nOWN=mine\n');
    sb.service(
      'envsvc',
      'type = scripted',
      `command = ${PROBE} ${out}`,
      `env-file = ${path.join(sb.dir, 'svc.env')}`,
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['-e', path.join(sb.dir, 'global.env'), 'idle']);
    const env = await runOnce('envsvc', out);
    expect(env.get('GLOBAL_ONE')).toBe('g1');
    expect(env.get('SHARED')).toBe('from-service');
    expect(env.get('OWN')).toBe('mine');
  });

  it('applies dinitctl setenv and unsetenv to later starts', async () => {
    const out = sb.outDir('out');
    sb.service('envsvc', 'type = scripted', `command = ${PROBE} ${out}`);
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    expect((await runOnce('envsvc', out)).has('LATER_VAR')).toBe(false);
    expect(d.ctl('setenv', 'LATER_VAR=set-by-ctl').status).toBe(0);
    expect((await runOnce('envsvc', out)).get('LATER_VAR')).toBe('set-by-ctl');
    expect(d.ctl('unsetenv', 'LATER_VAR').status).toBe(0);
    expect((await runOnce('envsvc', out)).has('LATER_VAR')).toBe(false);
  });

  it('exports DINIT_SERVICE with export-service-name and the working directory', async () => {
    const out = sb.outDir('out');
    const wd = sb.outDir('wd');
    sb.service(
      'named',
      'type = scripted',
      `command = ${PROBE} ${out}`,
      'load-options = export-service-name',
      `working-dir = ${wd}`,
    );
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    await runOnce('named', out);
    const r = await probeResult(out);
    expect(parseEnv(r('env')).get('DINIT_SERVICE')).toBe('named');
    expect(r('cwd').trim()).toBe(wd);
  });

  it('passes a connection to the control socket with pass-cs-fd (DINIT_CS_FD)', async () => {
    const out = sb.outDir('out');
    sb.service('cs', 'type = scripted', `command = ${PROBE} ${out}`, 'options = pass-cs-fd');
    sb.service('idle', 'type = internal');
    d = await sb.start(['idle']);
    const env = await runOnce('cs', out);
    expect(env.get('DINIT_CS_FD')).toMatch(/^[0-9]+$/);
    expect(Number(env.get('DINIT_CS_FD'))).toBeGreaterThanOrEqual(3);
  });

  (isRoot && needsHelper(__filename) ? it : it.skip)(
    'exports the run-as user passwd variables with export-passwd-vars',
    async () => {
      const out = sb.outDir('out');
      sb.service(
        'pw',
        'type = scripted',
        `command = ${PROBE} ${out}`,
        'run-as = nobody',
        'load-options = export-passwd-vars',
      );
      sb.service('idle', 'type = internal');
      d = await sb.start(['idle']);
      const env = await runOnce('pw', out);
      const pw = fs
        .readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('nobody:'))!
        .split(':');
      expect(env.get('USER')).toBe('nobody');
      expect(env.get('LOGNAME')).toBe('nobody');
      expect(env.get('HOME')).toBe(pw[5]);
      expect(env.get('SHELL')).toBe(pw[6]);
      expect(env.get('UID')).toBe(pw[2]);
      expect(env.get('GID')).toBe(pw[3]);
    },
  );
});
