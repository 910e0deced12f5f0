// dinitctl import systemd end to end: the real units of Debian packages convert into files that
// dinit-check accepts, and an imported unit runs under the real daemon (its ExecStartPre helper,
// its Environment= env file, its working directory and its stop).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, ROOT, isBuilt, sandboxAll, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const FIXTURES = path.join(ROOT, 'test/fixtures/systemd');
const CHECK = path.join(ROOT, 'bin/dinit-check');
const UNITS = ['cron', 'dbus', 'nginx', 'rsyslog', 'ssh', 'openvpn-server@'];

function run(cmd: string, args: string[], cwd?: string) {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 60_000 });
}

(isBuilt() ? describe : describe.skip)('dinitctl import systemd', () => {
  const sb = sandboxAll('dinit-import-');

  it('converts the five Debian units and a template into files dinit-check accepts', () => {
    const out = sb.path('converted');
    const units = UNITS.map((u) => path.join(FIXTURES, `${u}.service`));
    const r = run(DINITCTL, ['import', 'systemd', '-o', out, ...units]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(
      [
        'cron',
        'dbus',
        'nginx',
        'nginx-pre',
        'openvpn-server',
        'rsyslog',
        'ssh',
        'ssh-pre1',
        'ssh-pre2',
      ].sort(),
    );
    // Each warning names its file and line.
    expect(
      r.stderr
        .split('\n')
        .filter((l) => l !== '')
        .every((l) => /^warning: .+:\d+: /.test(l)),
    ).toBe(true);
    // ssh is ordered after auditd, which a real system provides: a stand-in for it.
    fs.writeFileSync(path.join(out, 'auditd'), 'type = internal\n');
    const names = ['cron', 'dbus', 'nginx', 'rsyslog', 'ssh', 'openvpn-server@home'];
    const check = run(CHECK, ['-d', out, ...names]);
    const errors = `${check.stdout}${check.stderr}`
      .split('\n')
      .filter(
        (l) =>
          l !== '' &&
          !/warning:|note:|^Checking service|^Performing|^Secondary|^One or more/.test(l),
      );
    // The optional EnvironmentFile= of cron and ssh: an error only where the file is missing
    // (dinitctl import warned about exactly that).
    const expected = [
      ['cron', '/etc/default/cron'],
      ['ssh', '/etc/default/ssh'],
      ['ssh-pre1', '/etc/default/ssh'],
      ['ssh-pre2', '/etc/default/ssh'],
    ]
      .filter(([, f]) => !fs.existsSync(f))
      .map(([s]) => `Service '${s}': could not load environment file: No such file or directory`);
    expect(errors.sort()).toEqual(expected.sort());
    // Type=notify is carried over with sd_notify readiness, which dinit-check notes as ours.
    expect(check.stdout + check.stderr).toContain(
      "note: ready-notification value 'notify' is a dinit-ts extension, not understood by upstream Dinit",
    );
  });

  it('prints the files with --dry-run and writes nothing', () => {
    const r = run(
      DINITCTL,
      ['import', 'systemd', '--dry-run', path.join(FIXTURES, 'dbus.service')],
      sb.dir,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^==> dbus <==\n# Imported from the systemd unit .*dbus\.service/);
    expect(r.stdout).toContain('\noom-score-adj = -900\n');
    expect(fs.existsSync(sb.path('dbus'))).toBe(false);
  });

  it('refuses to overwrite a file that exists, and writes nothing then', () => {
    const out = sb.path('existing');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'nginx-pre'), 'mine\n');
    const r = run(DINITCTL, ['import', 'systemd', '-o', out, path.join(FIXTURES, 'nginx.service')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`dinitctl: import: ${out}/nginx-pre exists; not overwriting it`);
    expect(fs.readdirSync(out)).toEqual(['nginx-pre']);
  });

  it('fails naming a unit it cannot read', () => {
    const r = run(DINITCTL, ['import', 'systemd', '--dry-run', sb.path('missing.service')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `dinitctl: import: cannot read ${sb.path('missing.service')}: No such file or directory\n`,
    );
  });

  describe('an imported unit under the real daemon', () => {
    let d: Dinit;
    const ctl = (...args: string[]) => d.ctlOut(...args);

    beforeAll(async () => {
      const work = sb.outDir('work');
      fs.writeFileSync(
        sb.path('greeter.service'),
        [
          '[Unit]',
          'Description=Writes a greeting, then waits',
          '[Service]',
          'Type=simple',
          `Environment="GREETING=hello world" MARK=from-env-file OUT=${work}`,
          `WorkingDirectory=${work}`,
          `ExecStartPre=/bin/sh -c 'echo pre > "$OUT/pre"'`,
          `ExecStart=/bin/sh -c 'echo "$GREETING" > greeting; echo "$$MARK" > mark; exec sleep 600'`,
          'KillSignal=SIGTERM',
          'TimeoutStopSec=5',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      );
      const r = run(DINITCTL, ['import', 'systemd', '-o', sb.sd, sb.path('greeter.service')]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(
        'greeter: WantedBy=multi-user.target: enable it with: dinitctl enable greeter',
      );
      sb.service('boot', 'type = internal');
      d = await sb.start();
    });

    it('starts after its ExecStartPre helper, with its environment and working directory', async () => {
      expect(ctl('start', 'greeter')).toEqual({ status: 0, out: "Service 'greeter' started.\n" });
      expect(sb.read('work/pre')).toBe('pre\n');
      await eventually('the greeting', () => sb.read('work/mark') !== '');
      expect(sb.read('work/greeting')).toBe('hello world\n');
      // $$MARK reached the shell as $MARK, which it took from the env file.
      expect(sb.read('work/mark')).toBe('from-env-file\n');
      expect(ctl('is-started', 'greeter-pre').status).toBe(0);
    });

    it('stops with its term-signal', () => {
      expect(ctl('stop', 'greeter')).toEqual({ status: 0, out: "Service 'greeter' stopped.\n" });
      expect(ctl('is-started', 'greeter-pre').status).not.toBe(0);
    });
  });
});
