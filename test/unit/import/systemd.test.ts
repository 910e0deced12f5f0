// Converting systemd units: the real units of Debian packages in test/fixtures/systemd, and
// small units written for one rule each. Every directive becomes a setting or a warning.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertSystemdUnit } from '../../../src/import/systemd';
import { formatWarning, type ImportResult } from '../../../src/import/types';

const FIXTURES = path.resolve(__dirname, '../../fixtures/systemd');

function fixture(name: string): ImportResult {
  return convertSystemdUnit(fs.readFileSync(path.join(FIXTURES, name), 'utf8'), name);
}

/** The text of the converted file `name`. */
function fileText(r: ImportResult, name: string): string {
  const f = r.files.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no file ${name}; got ${r.files.map((x) => x.name).join()}`);
  return f.text;
}

/** The setting lines (not comments, not blank) of a converted file. */
function settings(r: ImportResult, name: string): string[] {
  return fileText(r, name)
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function unit(...lines: string[]): ImportResult {
  return convertSystemdUnit(lines.join('\n') + '\n', 'test.service');
}

function warned(r: ImportResult): string[] {
  return r.warnings.map(formatWarning);
}

describe('real units from Debian packages', () => {
  it('nginx.service: forking with a pid file becomes bgprocess; ExecStartPre a helper', () => {
    const r = fixture('nginx.service');
    expect(settings(r, 'nginx')).toEqual([
      'type = bgprocess',
      'command = /usr/sbin/nginx -g "daemon on; master_process on;"',
      'stop-command = /sbin/start-stop-daemon --quiet --stop --retry QUIT/5 --pidfile /run/nginx.pid',
      'pid-file = /run/nginx.pid',
      'depends-on = nginx-pre',
      'stop-timeout = 5',
      'restart = no',
    ]);
    expect(settings(r, 'nginx-pre')).toEqual([
      'type = scripted',
      'command = /usr/sbin/nginx -t -q -g "daemon on; master_process on;"',
    ]);
    expect(fileText(r, 'nginx')).toMatch(
      /^# Imported from the systemd unit nginx\.service by dinitctl import \(dinit-ts\)\.\n/,
    );
    expect(warned(r)).toContain(
      'nginx.service:27: KillMode: mixed: Dinit signals the process group, or with KillMode=process the process',
    );
    expect(r.notes).toEqual([
      'nginx: WantedBy=multi-user.target: enable it with: dinitctl enable nginx',
    ]);
  });

  it('ssh.service: an optional EnvironmentFile, $SSHD_OPTS split into words, KillMode=process', () => {
    const r = fixture('ssh.service');
    expect(settings(r, 'ssh')).toEqual([
      'type = process',
      'command = /usr/sbin/sshd -D $/SSHD_OPTS',
      'depends-on = ssh-pre2',
      'restart = on-failure',
      'ready-notification = notify',
      'options = signal-process-only',
      'env-file = /etc/default/ssh',
      'after = auditd',
    ]);
    // RuntimeDirectory=sshd: made by a helper running as root, before sshd -t checks the setup.
    expect(settings(r, 'ssh-pre1')).toEqual([
      'type = scripted',
      'command = /bin/mkdir -p -m 0755 /run/sshd',
      'env-file = /etc/default/ssh',
    ]);
    expect(settings(r, 'ssh-pre2')).toEqual([
      'type = scripted',
      'command = /usr/sbin/sshd -t',
      'env-file = /etc/default/ssh',
      'depends-on = ssh-pre1',
    ]);
    const w = warned(r);
    expect(w).toContain(
      'ssh.service:5: ConditionPathExists: Dinit has no start conditions; not carried over',
    );
    expect(w.filter((x) => x.startsWith('ssh.service:11: ExecReload'))).toHaveLength(1);
    expect(w.filter((x) => x.startsWith('ssh.service:12: ExecReload'))).toHaveLength(1);
    expect(w).toContain(
      "ssh.service:8: EnvironmentFile: '-' (optional): Dinit does not load the service while /etc/default/ssh is missing (create it, empty if need be)",
    );
  });

  it('cron.service: a plain daemon with Restart=on-failure', () => {
    const r = fixture('cron.service');
    expect(settings(r, 'cron')).toEqual([
      'type = process',
      'command = /usr/sbin/cron -f $/EXTRA_OPTS',
      'restart = on-failure',
      'options = signal-process-only',
      'env-file = /etc/default/cron',
    ]);
    expect(warned(r)).toContain(
      'cron.service:4: After: remote-fs.target nss-user-lookup.target: Dinit has no targets (depend on the services behind them); not carried over',
    );
  });

  it('dbus.service: OOMScoreAdjust; the socket unit it requires is reported', () => {
    const r = fixture('dbus.service');
    expect(settings(r, 'dbus')).toEqual([
      'type = process',
      'command = /usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only',
      'oom-score-adj = -900',
      'ready-notification = notify',
      'restart = no',
    ]);
    expect(warned(r)).toContain(
      'dbus.service:4: Requires: dbus.socket: socket activation is not carried over (see socket-listen); not carried over',
    );
  });

  it('rsyslog.service: LimitNOFILE and StandardOutput=null', () => {
    const r = fixture('rsyslog.service');
    expect(settings(r, 'rsyslog')).toEqual([
      'type = process',
      'command = /usr/sbin/rsyslogd -n -iNONE',
      'restart = on-failure',
      'rlimit-nofile = 16384',
      'ready-notification = notify',
    ]);
    expect(fileText(r, 'rsyslog')).toContain(
      '# StandardOutput=null: Dinit discards the output of a service without a log',
    );
    expect(warned(r)).toContain(
      'rsyslog.service:20: Alias: Dinit has no aliases (a symbolic link to the file gives another name); not carried over',
    );
  });

  it('openvpn-server@.service: a template whose %i becomes the service argument $1', () => {
    const r = fixture('openvpn-server@.service');
    expect(settings(r, 'openvpn-server')).toEqual([
      'type = process',
      'command = /usr/sbin/openvpn --status /run/openvpn-server/status-$1.log --status-version 2 --suppress-timestamps --config $1.conf',
      'working-dir = /etc/openvpn/server',
      'restart-delay = 5',
      'restart = on-failure',
      'ready-notification = notify',
      'options = signal-process-only',
    ]);
    expect(r.notes).toEqual([
      'openvpn-server: WantedBy=multi-user.target: enable it with: dinitctl enable openvpn-server@<instance>',
    ]);
    expect(warned(r)).toContain(
      'openvpn-server@.service:15: LimitNPROC: Dinit sets the limits NOFILE, CORE, DATA and AS only; not carried over',
    );
  });

  it.each(fs.readdirSync(FIXTURES))('%s: every directive is carried over or warned about', (f) => {
    const r = fixture(f);
    const text = r.files.map((x) => x.text).join('\n');
    const src = fs.readFileSync(path.join(FIXTURES, f), 'utf8').split('\n');
    const warnedLines = new Set(r.warnings.map((w) => w.line));
    src.forEach((line, i) => {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (m === null || warnedLines.has(i + 1)) return;
      // Not warned about: then its value (or the advice for it) is in the output.
      const carried =
        text.includes(m[2].replace(/%i/g, '$1')) ||
        text.includes(`${m[1]}: ${m[2]}`) ||
        r.notes.some((n) => n.includes(m[2])) ||
        (m[1].startsWith('Exec') &&
          text.includes(`command = ${m[2].split(' ')[0].replace(/^[-@:+!]+/, '')}`)) ||
        ['Type', 'KillMode', 'Restart', 'RestartSec', 'TimeoutStopSec', 'LimitNOFILE'].includes(
          m[1],
        );
      expect([f, i + 1, line, carried]).toEqual([f, i + 1, line, true]);
    });
  });
});

describe('directives', () => {
  it('maps limits, nice, OOM score, I/O scheduling, user, timeouts, restart and kill signal', () => {
    const r = unit(
      '[Service]',
      'ExecStart=/usr/bin/daemon',
      'User=www-data',
      'LimitNOFILE=1024:4096',
      'LimitCORE=infinity',
      'LimitAS=64M',
      'Nice=5',
      'OOMScoreAdjust=100',
      'IOSchedulingClass=idle',
      'TimeoutStartSec=1min 30s',
      'TimeoutStopSec=infinity',
      'Restart=always',
      'RestartSec=500ms',
      'KillSignal=SIGQUIT',
      'StartLimitBurst=5',
      'StartLimitIntervalSec=20',
    );
    expect(settings(r, 'test')).toEqual([
      'type = process',
      'command = /usr/bin/daemon',
      'run-as = www-data',
      'rlimit-nofile = 1024:4096',
      'rlimit-core = -',
      'rlimit-addrspace = 67108864',
      'nice = 5',
      'oom-score-adj = 100',
      'start-timeout = 90',
      'stop-timeout = 0',
      'restart = yes',
      'restart-delay = 0.5',
      'term-signal = QUIT',
      'restart-limit-count = 5',
      'restart-limit-interval = 20',
      'ioprio = idle',
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('Type=notify: readiness through sd_notify (a dinit-ts extension), with its watchdog', () => {
    const r = unit('[Service]', 'Type=notify', 'ExecStart=/bin/x', 'WatchdogSec=30s');
    expect(settings(r, 'test')).toEqual([
      'type = process',
      'command = /bin/x',
      'ready-notification = notify',
      'watchdog-timeout = 30',
      'restart = no',
    ]);
    expect(r.warnings).toEqual([]);
    expect(warned(unit('[Service]', 'ExecStart=/bin/x', 'WatchdogSec=30s'))).toEqual([
      'test.service:3: WatchdogSec: a watchdog needs Type=notify; not carried over',
    ]);
  });

  it('makes RuntimeDirectory= in a root helper, owned by User=, with RuntimeDirectoryMode=', () => {
    const r = unit(
      '[Service]',
      'User=app',
      'RuntimeDirectory=app app/sub',
      'RuntimeDirectoryMode=0750',
      'ExecStart=/bin/x',
    );
    expect(settings(r, 'test-pre1')).toEqual([
      'type = scripted',
      'command = /bin/mkdir -p -m 0750 /run/app /run/app/sub',
    ]);
    expect(settings(r, 'test-pre2')).toEqual([
      'type = scripted',
      'command = /bin/chown app /run/app /run/app/sub',
      'depends-on = test-pre1',
    ]);
    expect(settings(r, 'test')).toContain('depends-on = test-pre2');
    expect(r.warnings).toEqual([]);
  });

  it('RestartMaxDelaySec= becomes the backoff cap restart-delay-max', () => {
    const r = unit('[Service]', 'ExecStart=/bin/x', 'RestartSec=1', 'RestartMaxDelaySec=1min');
    expect(settings(r, 'test')).toEqual(
      expect.arrayContaining(['restart-delay = 1', 'restart-delay-max = 60']),
    );
  });

  it('combines IOSchedulingClass and IOSchedulingPriority into one ioprio', () => {
    const r = unit(
      '[Service]',
      'ExecStart=/bin/x',
      'IOSchedulingClass=realtime',
      'IOSchedulingPriority=2',
    );
    expect(settings(r, 'test')).toContain('ioprio = realtime:2');
    expect(
      settings(unit('[Service]', 'ExecStart=/bin/x', 'IOSchedulingPriority=6'), 'test'),
    ).toContain('ioprio = best-effort:6');
  });

  it('names file, line and key of a directive it does not know, and never drops it silently', () => {
    const r = unit('[Unit]', 'Description=x', '[Service]', 'ExecStart=/bin/x', 'Frobnicate=yes');
    expect(warned(r)).toEqual([
      'test.service:5: Frobnicate: not supported by the import; not carried over',
    ]);
    expect(fileText(r, 'test')).toContain(
      '#   line 5: Frobnicate: not supported by the import; not carried over',
    );
  });

  it('turns systemd quoting and variables into Dinit words', () => {
    const r = unit(
      '[Service]',
      'ExecStart=/bin/prog "two words" \'single # quoted\' $SPLIT ${ONE} pre${ONE}post $$HOME a\\ b',
    );
    expect(settings(r, 'test')[1]).toBe(
      'command = /bin/prog "two words" "single # quoted" $/SPLIT ${ONE} pre${ONE}post $$HOME "a b"',
    );
  });

  it("keeps '$' literal after the ':' prefix", () => {
    const r = unit('[Service]', 'ExecStart=:/bin/echo $HOME');
    expect(settings(r, 'test')[1]).toBe('command = /bin/echo $$HOME');
  });

  it('chains ExecStartPre lines; a failing "-" line does not stop the start; "+" runs as root', () => {
    const r = unit(
      '[Service]',
      'User=app',
      'ExecStartPre=-/bin/first',
      'ExecStartPre=+/bin/second',
      'ExecStart=/bin/main',
    );
    expect(settings(r, 'test-pre1')).toEqual([
      'type = scripted',
      'command = /bin/first',
      'run-as = app',
    ]);
    expect(settings(r, 'test-pre2')).toEqual([
      'type = scripted',
      'command = /bin/second',
      'waits-for = test-pre1',
    ]);
    expect(settings(r, 'test')).toContain('depends-on = test-pre2');
  });

  it('runs the ExecStart lines of a oneshot in order: all but the last as helpers', () => {
    const r = unit('[Service]', 'Type=oneshot', 'ExecStart=/bin/a', 'ExecStart=/bin/b');
    expect(settings(r, 'test')).toEqual([
      'type = scripted',
      'command = /bin/b',
      'depends-on = test-pre',
    ]);
    expect(settings(r, 'test-pre')[1]).toBe('command = /bin/a');
  });

  it('an empty assignment resets a list, as in systemd', () => {
    const r = unit('[Service]', 'ExecStart=/bin/a', 'ExecStart=', 'ExecStart=/bin/b');
    expect(settings(r, 'test')[1]).toBe('command = /bin/b');
  });

  it('writes Environment= into an env file beside the description', () => {
    const r = unit(
      '[Service]',
      'ExecStart=/bin/x',
      'Environment="GREETING=hello world" A=1',
      'Environment=A=2',
    );
    expect(settings(r, 'test')).toContain('env-file = test.env');
    expect(fileText(r, 'test.env').split('\n').slice(1)).toEqual([
      'GREETING=hello world',
      'A=2',
      '',
    ]);
  });

  it('forking without PIDFile becomes scripted, with a warning', () => {
    const r = unit('[Service]', 'Type=forking', 'ExecStart=/usr/sbin/food');
    expect(settings(r, 'test')[0]).toBe('type = scripted');
    expect(warned(r)[0]).toMatch(/^test\.service:2: Type: forking without PIDFile=/);
  });

  it('turns Requires, Wants, After and Before on services into Dinit dependencies', () => {
    const r = unit(
      '[Unit]',
      'Requires=db.service',
      'Wants=cache.service other@%i.service',
      'After=db.service',
      'Before=web.service',
      '[Service]',
      'ExecStart=/bin/x',
    );
    expect(settings(r, 'test').slice(-5)).toEqual([
      'depends-on = db',
      'waits-for = cache',
      'waits-for = other@',
      'after = db',
      'before = web',
    ]);
  });

  it('writes StandardOutput=file: as a logfile and journal as a log buffer', () => {
    expect(
      settings(
        unit('[Service]', 'ExecStart=/bin/x', 'StandardOutput=append:/var/log/x.log'),
        'test',
      ),
    ).toContain('logfile = /var/log/x.log');
    const j = unit('[Service]', 'ExecStart=/bin/x', 'StandardOutput=journal');
    expect(settings(j, 'test')).toContain('log-type = buffer');
    expect(warned(j)[0]).toMatch(
      /^test\.service:3: StandardOutput: journal: kept in Dinit's log buffer/,
    );
  });

  it('converts no unit that is not a service', () => {
    const r = convertSystemdUnit('[Socket]\nListenStream=/run/x\n', 'x.socket');
    expect(r.files).toEqual([]);
    expect(warned(r)).toEqual(['x.socket: x.socket: only .service units are converted']);
  });
});
