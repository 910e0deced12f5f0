// dinitctl import pm2 end to end: realistic ecosystem files convert into files dinit-check
// accepts, a .js file is run as PM2 runs it (its printing kept off the output), and an
// imported app, with its instances, runs under the real daemon.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, ROOT, isBuilt, sandboxAll, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const FIXTURES = path.join(ROOT, 'test/fixtures/pm2');
const CHECK = path.join(ROOT, 'bin/dinit-check');

function run(cmd: string, args: string[], cwd?: string) {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 60_000 });
}

/** The lines of dinit-check's report that are errors (not warnings, notes or progress). */
function checkErrors(dir: string, names: string[]): string[] {
  const r = run(CHECK, ['-d', dir, ...names]);
  return `${r.stdout}${r.stderr}`
    .split('\n')
    .filter(
      (l) =>
        l !== '' &&
        !/warning:|note:|^Checking service|^Performing|^Secondary|^One or more|^No problems/.test(
          l,
        ),
    );
}

(isBuilt() ? describe : describe.skip)('dinitctl import pm2', () => {
  const sb = sandboxAll('dinit-import-pm2-');

  it('converts the ecosystem files into files dinit-check accepts', () => {
    const out = sb.path('converted');
    const files = ['ecosystem.config.js', 'ecosystem.json'].map((f) => path.join(FIXTURES, f));
    const r = run(DINITCTL, ['import', 'pm2', '-o', out, ...files]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(
      ['api', 'api.env', 'api-all', 'worker', 'report-job', 'web', 'web.env', 'redis'].sort(),
    );
    expect(r.stderr).toContain(
      'warning: ' +
        path.join(FIXTURES, 'ecosystem.config.js') +
        ': deploy: only apps are converted',
    );
    expect(checkErrors(out, ['api-all', 'worker', 'report-job', 'web', 'redis'])).toEqual([]);
  });

  it('runs a .js file in a process of its own: what it prints stays off the output', () => {
    fs.writeFileSync(
      sb.path('noisy.config.js'),
      "console.log('hello from the config');\nmodule.exports = { apps: [{ name: 'n', script: '/bin/true' }] };\n",
    );
    const r = run(DINITCTL, ['import', 'pm2', '--dry-run', sb.path('noisy.config.js')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^==> n <==\n/);
    expect(r.stderr).toContain('hello from the config');
  });

  it('fails naming an ecosystem file whose code throws', () => {
    fs.writeFileSync(sb.path('broken.config.js'), "throw new Error('broken on purpose');\n");
    const r = run(DINITCTL, ['import', 'pm2', '--dry-run', sb.path('broken.config.js')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('broken on purpose');
    expect(r.stderr).toContain(
      `dinitctl: import: ${sb.path('broken.config.js')}: running it failed (exit status 1)\n`,
    );
  });

  describe('an imported app under the real daemon', () => {
    let d: Dinit;
    const ctl = (...args: string[]) => d.ctlOut(...args);

    beforeAll(async () => {
      const app = sb.outDir('app');
      fs.writeFileSync(
        path.join(app, 'server.js'),
        [
          "const fs = require('node:fs');",
          'const out = `${process.env.OUT_DIR}/${process.pid}`;',
          'fs.writeFileSync(out, JSON.stringify({ greeting: process.env.GREETING, args: process.argv.slice(2), cwd: process.cwd() }));',
          "process.on('SIGINT', () => { fs.writeFileSync(`${out}.stopped`, 'SIGINT'); process.exit(0); });",
          'setInterval(() => {}, 1000);',
          '',
        ].join('\n'),
      );
      fs.writeFileSync(
        path.join(app, 'ecosystem.config.js'),
        `module.exports = { apps: [{ name: 'srv', script: 'server.js', args: '--port 8080', instances: 2,
  env: { GREETING: 'hello world', OUT_DIR: ${JSON.stringify(sb.outDir('out'))} } }] };\n`,
      );
      const r = run(DINITCTL, [
        'import',
        'pm2',
        '-o',
        sb.sd,
        path.join(app, 'ecosystem.config.js'),
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('srv: start it with: dinitctl start srv-all');
      sb.service('boot', 'type = internal');
      d = await sb.start();
    });

    const reports = () =>
      fs
        .readdirSync(sb.path('out'))
        .filter((f) => /^\d+$/.test(f))
        .map(
          (f) =>
            JSON.parse(sb.read(`out/${f}`)) as { greeting: string; args: string[]; cwd: string },
        );

    it('starts every instance with the env, arguments and working directory of the app', async () => {
      expect(ctl('start', 'srv-all').status).toBe(0);
      expect(ctl('is-started', 'srv@1').status).toBe(0);
      expect(ctl('is-started', 'srv@2').status).toBe(0);
      await eventually('both instances to report', () => reports().length === 2);
      for (const rep of reports()) {
        expect(rep).toEqual({
          greeting: 'hello world',
          args: ['--port', '8080'],
          cwd: sb.path('app'),
        });
      }
    });

    it('stops them with SIGINT, as PM2 does', async () => {
      expect(ctl('stop', 'srv-all').status).toBe(0);
      const stopped = () => fs.readdirSync(sb.path('out')).filter((f) => f.endsWith('.stopped'));
      await eventually('both instances to stop', () => stopped().length === 2);
      expect(ctl('is-started', 'srv@1').status).not.toBe(0);
      expect(ctl('is-started', 'srv@2').status).not.toBe(0);
      expect(sb.read(`out/${stopped()[0]}`)).toBe('SIGINT');
    });
  });
});
