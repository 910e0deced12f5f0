// Converting PM2 ecosystem files: the apps of realistic files in test/fixtures/pm2, and small
// apps written for one rule each. Every field becomes a setting or a warning.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertEcosystem, type Pm2Options } from '../../../src/import/pm2';
import { formatWarning, type ImportResult } from '../../../src/import/types';

const FIXTURES = path.resolve(__dirname, '../../fixtures/pm2');
const OPTS: Pm2Options = { dir: '/home/me/project', node: '/usr/bin/node', cpus: 4 };

function settings(r: ImportResult, name: string): string[] {
  const f = r.files.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no file ${name}; got ${r.files.map((x) => x.name).join()}`);
  return f.text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

function fileText(r: ImportResult, name: string): string {
  return r.files.find((x) => x.name === name)?.text ?? '';
}

const warned = (r: ImportResult): string[] => r.warnings.map(formatWarning);

describe('ecosystem.config.js', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(path.join(FIXTURES, 'ecosystem.config.js')) as unknown;
  const r = convertEcosystem(config, 'ecosystem.config.js', OPTS);

  it('writes each app, its env file, and a group service for the instances', () => {
    expect(r.files.map((f) => f.name)).toEqual([
      'api',
      'api.env',
      'api-all',
      'worker',
      'report-job',
    ]);
  });

  it('api: node with its arguments, env, one log file, restart limits and stop timeout', () => {
    expect(settings(r, 'api')).toEqual([
      'type = process',
      'command = /usr/bin/node --max-old-space-size=512 /srv/api/server.js --port 3000 --host 0.0.0.0',
      'working-dir = /srv/api',
      'env-file = api.env',
      'restart = yes',
      'restart-limit-count = 10',
      'restart-delay = 2',
      'stop-timeout = 5',
      'term-signal = INT',
      'logfile = /var/log/api/out.log',
    ]);
    expect(fileText(r, 'api.env').split('\n').slice(1)).toEqual([
      'NODE_ENV=development',
      'PORT=3000',
      '',
    ]);
    expect(settings(r, 'api-all')).toEqual([
      'type = internal',
      'depends-on = api@1',
      'depends-on = api@2',
    ]);
    expect(fileText(r, 'api')).toMatch(
      /^# Imported from the PM2 app 'api' of ecosystem\.config\.js by dinitctl import \(dinit-ts\)\./,
    );
  });

  it('warns about each field it does not carry over, naming the app', () => {
    expect(warned(r)).toEqual(
      expect.arrayContaining([
        'ecosystem.config.js: deploy: only apps are converted; not carried over',
        expect.stringMatching(/^ecosystem\.config\.js: api\.exec_mode: cluster mode/),
        "ecosystem.config.js: api.env_production: used by 'pm2 start --env production' only; merge it into env if wanted",
        'ecosystem.config.js: api.error_file: Dinit writes standard output and error to one log file (/var/log/api/out.log)',
        'ecosystem.config.js: api.max_memory_restart: Dinit does not restart on memory use (see run-in-cgroup); not carried over',
        'ecosystem.config.js: worker.time: Dinit does not time-stamp log lines (dinitctl logs adds times); not carried over',
        "ecosystem.config.js: report job.name: written as the service 'report-job'",
        'ecosystem.config.js: report job.cron_restart: Dinit has no timed restarts (use cron with dinitctl restart); not carried over',
      ]),
    );
    // watch: false needs nothing, so it is no warning.
    expect(warned(r).filter((w) => w.includes('worker.watch'))).toEqual([]);
  });

  it('worker and report job: relative scripts and logs start at the file, interpreters by extension', () => {
    expect(settings(r, 'worker')).toEqual([
      'type = process',
      'command = /usr/bin/node /home/me/project/worker.js --queue emails',
      'working-dir = /home/me/project',
      'restart = yes',
      'term-signal = INT',
      'run-as = www-data',
      'logfile = /home/me/project/logs/worker.log',
    ]);
    expect(settings(r, 'report-job')).toEqual([
      'type = process',
      'command = python /home/me/project/scripts/report.py',
      'working-dir = /home/me/project',
      'restart = no',
      'term-signal = INT',
      'log-type = buffer',
    ]);
  });

  it('notes how to start and enable each app', () => {
    expect(r.notes).toEqual([
      'api: start it with: dinitctl start api-all; at boot: dinitctl enable api-all',
      'worker: start it with: dinitctl start worker; at boot: dinitctl enable worker',
      'report-job: start it with: dinitctl start report-job; at boot: dinitctl enable report-job',
    ]);
  });
});

describe('ecosystem.json', () => {
  const config = JSON.parse(
    fs.readFileSync(path.join(FIXTURES, 'ecosystem.json'), 'utf8'),
  ) as unknown;
  const r = convertEcosystem(config, 'ecosystem.json', OPTS);

  it('runs a program from PATH with interpreter none; treekill false signals the process only', () => {
    expect(settings(r, 'web')).toEqual([
      'type = process',
      'command = npm start',
      'working-dir = /srv/web',
      'env-file = web.env',
      'restart = yes',
      'stop-timeout = 3',
      'term-signal = INT',
      'options = signal-process-only',
      'log-type = buffer',
    ]);
  });

  it('an absolute binary with an argument array, without restarts', () => {
    expect(settings(r, 'redis')[1]).toBe(
      'command = /usr/bin/redis-server /etc/redis/redis.conf --daemonize no',
    );
    expect(settings(r, 'redis')).toContain('restart = no');
    expect(r.warnings).toEqual([]);
  });
});

describe('apps', () => {
  const one = (app: Record<string, unknown>) => convertEcosystem({ apps: [app] }, 'e.json', OPTS);

  it('instances: max is the number of CPUs here, and says so', () => {
    const r = one({ name: 'a', script: 'a.js', instances: 'max' });
    expect(settings(r, 'a-all').slice(1)).toEqual([1, 2, 3, 4].map((i) => `depends-on = a@${i}`));
    expect(warned(r)).toEqual([
      'e.json: a.instances: max is 4 on this machine (4 CPUs), fixed now',
    ]);
  });

  it('names the app by its script when it has no name; quotes words Dinit would split', () => {
    const r = one({ script: 'bin/my server.sh', args: ['a b', '$HOME'] });
    expect(settings(r, 'my-server')[1]).toBe(
      'command = bash "/home/me/project/bin/my server.sh" "a b" $$HOME',
    );
  });

  it('exp_backoff_restart_delay: a restart delay that grows up to 15 s, reset after 30 s up', () => {
    const r = one({ name: 'a', script: '/bin/a', exp_backoff_restart_delay: 100 });
    expect(settings(r, 'a')).toEqual(
      expect.arrayContaining([
        'restart-delay = 0.1',
        'restart-delay-max = 15',
        'restart-reset-after = 30',
      ]),
    );
    expect(r.warnings).toEqual([]);
  });

  it('an app without a script is not converted, and says so', () => {
    const r = one({ name: 'x' });
    expect(r.files).toEqual([]);
    expect(warned(r)).toEqual(['e.json: x.script: missing; the app is not converted']);
  });

  it('an unknown field is a warning, also listed in the description', () => {
    const r = one({ name: 'a', script: '/bin/a', frobnicate: 1 });
    expect(warned(r)).toEqual([
      'e.json: a.frobnicate: not supported by the import; not carried over',
    ]);
    expect(fileText(r, 'a')).toContain(
      '#   a.frobnicate: not supported by the import; not carried over',
    );
  });
});
