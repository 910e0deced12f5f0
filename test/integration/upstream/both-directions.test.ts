// Drop-in check with real daemons on both sides: upstream's dinitctl and dinit-monitor drive our
// bin/dinit, and our bin/dinitctl and bin/dinit-monitor drive upstream's dinit, through one
// scenario (start, status, list, catlog, setenv, stop, reload, enable/disable, shutdown) whose
// transcript must equal the one upstream's own client and daemon produce. DINIT_UPSTREAM_BINDIR
// names upstream's build; without it the suite is skipped, and says so.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, Sandbox } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUpstream =
  UP !== '' && ['dinit', 'dinitctl', 'dinit-monitor'].every((b) => fs.existsSync(path.join(UP, b)));
const built = fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));
const describeUp = haveUpstream && built ? describe : describe.skip;
if (!haveUpstream) {
  process.stderr.write(
    'control-upstream-e2e: SKIPPED: set DINIT_UPSTREAM_BINDIR to a directory holding upstream ' +
      "Dinit's dinit, dinitctl and dinit-monitor to run upstream's clients against bin/dinit " +
      'and ours against upstream dinit\n',
  );
} else if (!built) {
  process.stderr.write(
    'control-upstream-e2e: SKIPPED: build first with `npx tsc -p tsconfig.json`\n',
  );
}

jest.setTimeout(90000);

interface Side {
  dinit: string;
  dinitctl: string;
  monitor: string;
}
const upstream = (): Side => ({
  dinit: path.join(UP, 'dinit'),
  dinitctl: path.join(UP, 'dinitctl'),
  monitor: path.join(UP, 'dinit-monitor'),
});
const ours: Side = {
  dinit: path.join(ROOT, 'bin/dinit'),
  dinitctl: path.join(ROOT, 'bin/dinitctl'),
  monitor: path.join(ROOT, 'bin/dinit-monitor'),
};

function writeServices(sd: string): void {
  fs.mkdirSync(path.join(sd, 'boot.d'), { recursive: true });
  const w = (n: string, t: string): void => fs.writeFileSync(path.join(sd, n), t);
  w('boot', 'type = internal\nwaits-for.d = boot.d\n');
  w('sl', 'type = process\ncommand = /bin/sleep 1000\n');
  w(
    'lg',
    'type = process\ncommand = /bin/sh -c "echo hello; exec sleep 1000"\nlog-type = buffer\n',
  );
  w('en', 'type = process\ncommand = /bin/sleep 1000\n');
  w('rl', 'type = internal\n');
}

/**
 * Runs the scenario with `daemon` serving and `client` driving it; returns the transcript of
 * every command (stdout, stderr, exit status) and what the two monitors printed. Process ids
 * are replaced by N; the "File:" line that clients newer than 0.22 add to status, and the
 * readiness markers (sent until seen, so their number varies), are dropped.
 */
async function scenario(daemon: Side, client: Side): Promise<string> {
  const sb = new Sandbox('dinit-e2e-');
  sb.open();
  const { dir, sd } = sb;
  const sock = sb.path('sock');
  writeServices(sd);
  const env = { HOME: dir, PATH: '/bin:/usr/bin' };
  const started: ChildProcess[] = [];
  const spawnOut = (bin: string, args: string[]): { proc: ChildProcess; out: () => string } => {
    // Marked with the sandbox, so that close() finds them and what they start.
    const proc = spawn(bin, args, { env: sb.env(env), stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(proc);
    let text = '';
    proc.stdout?.on('data', (b: Buffer) => (text += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (text += b.toString()));
    return { proc, out: () => text };
  };
  let log = '';
  const ctl = (...args: string[]): void => {
    const r = spawnSync(client.dinitctl, ['-p', sock, ...args], {
      env,
      encoding: 'utf8',
      timeout: 20000,
    });
    log += `$ dinitctl ${args.join(' ')}\n${r.stdout}${r.stderr}[${r.status}]\n`;
  };
  try {
    const d = spawnOut(daemon.dinit, ['-u', '-q', '-d', sd, '-p', sock, 'boot']);
    const daemonExit = new Promise<number | null>((r) => d.proc.on('exit', (c) => r(c)));
    await eventually('the control socket', () => fs.existsSync(sock));
    // -i reports the initial state, which tells us the monitor is connected and listening.
    const mon = spawnOut(client.monitor, ['-p', sock, '-i', '-c', 'echo MON %n %s', 'sl']);
    await eventually('the service monitor', () => mon.out().includes('MON sl stopped'));
    const envMon = spawnOut(client.monitor, [
      '-p',
      sock,
      '-E',
      '-c',
      'echo ENV %n=%v',
      'FOO',
      'MARK',
    ]);
    // The environment monitor has no initial report: set a marker until it sees one.
    await eventually('the environment monitor', () => {
      spawnSync(client.dinitctl, ['-p', sock, 'setenv', 'MARK=1'], { env, timeout: 20000 });
      return envMon.out().includes('ENV MARK=1');
    });

    ctl('start', 'sl');
    ctl('status', 'sl');
    ctl('start', 'lg');
    await eventually('the output of lg', () => {
      const r = spawnSync(client.dinitctl, ['-p', sock, 'catlog', 'lg'], { env, encoding: 'utf8' });
      return r.stdout === 'hello\n';
    });
    ctl('catlog', 'lg');
    ctl('list');
    ctl('setenv', 'FOO=bar', 'FOO=baz');
    ctl('unsetenv', 'FOO');
    ctl('stop', 'sl');
    ctl('status', 'sl');
    ctl('is-started', 'sl');
    ctl('is-failed', 'sl');
    ctl('start', 'rl');
    ctl('stop', 'rl');
    fs.writeFileSync(path.join(sd, 'rl'), 'type = internal\ndepends-on = sl\n');
    ctl('reload', 'rl');
    ctl('start', 'rl');
    ctl('list');
    ctl('stop', 'rl');
    ctl('enable', 'en');
    ctl('status', 'en');
    ctl('disable', 'en');
    ctl('shutdown');
    log += `[daemon exit ${await daemonExit}]\n`;
    await eventually(
      'the monitors',
      () => mon.proc.exitCode !== null && envMon.proc.exitCode !== null,
    );
    log += `--- monitor\n${mon.out()}--- environment monitor\n${envMon.out()}`;
    return log
      .replace(/(Process ID: |pid: )\d+/g, '$1N')
      .replace(/^ {4}File: .*\n/gm, '')
      .replace(/^ENV MARK=1\n/gm, '');
  } finally {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await sb.close();
  }
}

describeUp('real daemons, both directions (DINIT_UPSTREAM_BINDIR)', () => {
  let reference = '';

  beforeAll(async () => {
    reference = await scenario(upstream(), upstream());
    // DINIT_E2E_SHOW=1 prints the reference transcript, to see what is being compared.
    if (process.env.DINIT_E2E_SHOW) process.stderr.write(reference);
  });

  it('the reference transcript is what upstream 0.22 prints', () => {
    expect(reference).toContain("$ dinitctl start sl\nService 'sl' started.\n[0]\n");
    expect(reference).toContain('$ dinitctl catlog lg\nhello\n[0]\n');
    expect(reference).toContain("Service 'en' has been enabled.\nService 'en' started.\n[0]\n");
    expect(reference).toContain('--- monitor\nMON sl stopped\nMON sl started\nMON sl stopped\n');
    expect(reference).toContain('ENV FOO=bar\nENV FOO=baz\nENV FOO=\n');
  });

  it("upstream's dinitctl and dinit-monitor drive our bin/dinit exactly as upstream's", async () => {
    expect(await scenario(ours, upstream())).toBe(reference);
  });

  it("our bin/dinitctl and bin/dinit-monitor drive upstream's dinit exactly as upstream's", async () => {
    expect(await scenario(upstream(), ours)).toBe(reference);
  });

  it("our dinitctl daemon-reexec sends upstream's dinit nothing it does not know", async () => {
    const sb = new Sandbox('dinit-e2e-');
    sb.open();
    const sock = sb.path('sock');
    writeServices(sb.sd);
    const env = { HOME: sb.dir, PATH: '/bin:/usr/bin' };
    const d = spawn(upstream().dinit, ['-u', '-q', '-d', sb.sd, '-p', sock, 'boot'], {
      env: sb.env(env),
      stdio: 'ignore',
    });
    try {
      await eventually('the control socket', () => fs.existsSync(sock));
      const ctl = (...args: string[]) =>
        spawnSync(ours.dinitctl, ['-p', sock, ...args], { env, encoding: 'utf8', timeout: 20000 });
      const r = ctl('daemon-reexec');
      expect([r.status, r.stderr]).toEqual([
        1,
        'dinitctl: daemon-reexec is not supported by this daemon\n',
      ]);
      expect(ctl('list').status).toBe(0);
    } finally {
      d.kill('SIGKILL');
      await sb.close();
    }
  });
});
