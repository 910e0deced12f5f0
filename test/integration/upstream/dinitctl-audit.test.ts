// dinitctl parity audit: one list of dinitctl command lines (every subcommand and option, and
// their usual mistakes) run against upstream's daemon with upstream's dinitctl, and against
// bin/dinit with bin/dinitctl, and across; stdout, stderr and exit status must match line for
// line. DINIT_UPSTREAM_BINDIR names upstream's build; without it the suite is skipped, and says so.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, Sandbox } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUpstream =
  UP !== '' && ['dinit', 'dinitctl'].every((b) => fs.existsSync(path.join(UP, b)));
const built = fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));
const describeUp = haveUpstream && built ? describe : describe.skip;
if (!haveUpstream) {
  process.stderr.write(
    'control-upstream-audit: SKIPPED: set DINIT_UPSTREAM_BINDIR to a directory holding ' +
      "upstream Dinit's dinit and dinitctl to compare every dinitctl subcommand with upstream's\n",
  );
} else if (!built) {
  process.stderr.write(
    'control-upstream-audit: SKIPPED: build first with `npx tsc -p tsconfig.json`\n',
  );
}

jest.setTimeout(240000);

/** Command lines; {S} is the socket and {SD} the service directory. Each waits for its outcome. */
const COMMANDS: string[] = [
  'status nosuch',
  'status bad',
  'start bad',
  'start ex',
  'status ex',
  'is-failed ex',
  'is-started ex',
  'start --pin sl',
  'stop sl',
  'unpin sl',
  'start dep',
  'stop sl',
  'stop --force sl',
  'start dep',
  'restart sl',
  'restart --force sl',
  'wake sl',
  'release dep',
  'start sl',
  'release sl',
  'stop --ignore-unstarted nosuch',
  'stop --ignore-unstarted sl',
  'stop nosuch',
  'trigger sl',
  'trigger trg',
  'untrigger trg',
  'start sg',
  'signal sg',
  'signal HUP sg',
  'signal 1 sg',
  'signal --list',
  'signal -l',
  'signal 9999 sg',
  'signal BOGUS sg',
  'signal HUP trg',
  'signal HUP',
  'catlog sl',
  'catlog --clear lg',
  'add-dep need boot sl',
  'add-dep bogus boot sl',
  'add-dep milestone boot sl',
  'add-dep need boot',
  'rm-dep milestone boot sl',
  'rm-dep milestone boot sl',
  'unload sl',
  'unload scr',
  'reload nosuch',
  'setenv',
  'setenv FOO',
  'unsetenv FOO=1',
  'setenv =x',
  'setenv A=1 B=2',
  'list',
  'list -x',
  'is-started',
  'is-started sl extra',
  'status',
  'start',
  'start a b',
  'start --force sl',
  'wake --force sl',
  'unpin',
  'catlog',
  'shutdown extra',
  'bogus',
  '--pin list',
  '--quiet start sl',
  '--quiet start ex',
  '--quiet status nosuch',
  '-s list',
  '-u list',
  '--use-passed-cfd list',
  'enable --from nosuch sl',
  'enable sl',
  'enable sl',
  'disable sl',
  'disable sl',
  '--offline status sl',
  '--offline -d {SD} enable sl',
  '--offline -d {SD} enable sl',
  '--offline -d {SD} disable sl',
  '--offline -d {SD} start sl',
  '--offline -d {SD} --from boot enable dep',
  'shutdown',
];

function writeServices(sd: string): void {
  fs.mkdirSync(path.join(sd, 'boot.d'), { recursive: true });
  const w = (n: string, t: string): void => fs.writeFileSync(path.join(sd, n), t);
  w('boot', 'type = internal\nwaits-for.d = boot.d\n');
  w('sl', 'type = process\ncommand = /bin/sleep 1000\n');
  w('dep', 'type = internal\ndepends-on = sl\n');
  w('ex', 'type = process\ncommand = /nonexistent/program\n');
  w('trg', 'type = triggered\n');
  w('lg', 'type = process\ncommand = /bin/sh -c "echo hi; exec sleep 1000"\nlog-type = buffer\n');
  w('bad', 'type = internal\nbad-setting = 1\n');
  w('scr', 'type = scripted\ncommand = /bin/true\n');
  // Ignores SIGHUP, so signalling it changes nothing that later commands could race with.
  w('sg', 'type = process\ncommand = /bin/sh -c "trap \'\' HUP; exec sleep 1000"\n');
}

/** Runs every command against `dinit`, driven by `dinitctl`; returns the normalised transcript. */
async function transcript(dinit: string, dinitctl: string): Promise<string> {
  const sb = new Sandbox('dinit-audit-');
  sb.open();
  const { dir, sd } = sb;
  const sock = sb.path('sock');
  writeServices(sd);
  const env = { HOME: dir, PATH: '/bin:/usr/bin' };
  // The daemon's environment carries the sandbox mark, so that close() finds its services.
  const daemon = spawn(dinit, ['-u', '-q', '-d', sd, '-p', sock, 'boot'], {
    env: sb.env(env),
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((r) => daemon.on('exit', (c) => r(c)));
  try {
    await eventually('the control socket', () => fs.existsSync(sock));
    let log = '';
    for (const line of COMMANDS) {
      const args = line.replace('{SD}', sd).split(' ');
      const r = spawnSync(dinitctl, ['-p', sock, ...args], {
        env,
        encoding: 'utf8',
        timeout: 20000,
      });
      log += `$ dinitctl ${line}\n${r.stdout}${r.stderr}[${r.status}]\n`;
    }
    log += `[daemon exit ${await exited}]\n`;
    return log
      .split(dir)
      .join('W')
      .replace(/\d{3,}/g, 'N');
  } finally {
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    await sb.close();
  }
}

describeUp('dinitctl parity with upstream, command by command (DINIT_UPSTREAM_BINDIR)', () => {
  const up = { dinit: path.join(UP, 'dinit'), ctl: path.join(UP, 'dinitctl') };
  const ours = { dinit: path.join(ROOT, 'bin/dinit'), ctl: path.join(ROOT, 'bin/dinitctl') };
  let reference = '';

  beforeAll(async () => {
    reference = await transcript(up.dinit, up.ctl);
    if (process.env.DINIT_E2E_SHOW) process.stderr.write(reference);
  });

  it('the reference ran every command and the daemon exited cleanly', () => {
    expect(reference.split('$ dinitctl ').length - 1).toBe(COMMANDS.length);
    expect(reference).toContain("$ dinitctl stop sl\ndinitctl: cannot stop service 'sl'");
    expect(reference.endsWith('[daemon exit 0]\n')).toBe(true);
  });

  it('our dinitctl against our daemon prints what upstream prints', async () => {
    expect(await transcript(ours.dinit, ours.ctl)).toBe(reference);
  });

  it("our dinitctl against upstream's daemon", async () => {
    expect(await transcript(up.dinit, ours.ctl)).toBe(reference);
  });

  it("upstream's dinitctl against our daemon", async () => {
    expect(await transcript(ours.dinit, up.ctl)).toBe(reference);
  });
});
