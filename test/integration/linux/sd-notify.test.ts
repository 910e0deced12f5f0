// sd_notify readiness through the real daemon, with real senders: a python3 daemon that speaks
// the protocol (READY=1, STATUS=, MAINPID= after forking, WATCHDOG=1) and systemd-notify where it
// is installed. The service is STARTED only on READY=1; `why` shows the STATUS= text and
// `status` stays upstream's; a missed watchdog aborts the process and the restart policy applies.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, isBuilt, sandboxEach, type Dinit } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { alive, have } from '../../support/processes';
import { valid } from '../../support/schema';

const NOTIFY = path.join(FIXTURES, 'sd-notify.py');
const linux = process.platform === 'linux' && isBuilt() && have('python3');

(linux ? describe : describe.skip)('sd_notify readiness (real daemon)', () => {
  const sb = sandboxEach('dinit-notify-');
  let d: Dinit;
  // Keeps the daemon running while the service under test stops.
  beforeEach(() => sb.service('idle', 'type = internal'));

  const status = (name: string) => d.ctl('status', name).stdout;

  /** Starts "dog": the fixture with a watchdog of a second, restarted on failure; its out dir. */
  async function startDog(): Promise<string> {
    const out = sb.outDir('out');
    sb.service(
      'dog',
      'type = process',
      `command = ${NOTIFY} ${out}`,
      'ready-notification = notify',
      'watchdog-timeout = 1',
      'restart = on-failure',
      'restart-delay = 0',
    );
    d = await sb.start(['idle']);
    fs.writeFileSync(path.join(out, 'go'), '');
    expect(d.ctl('start', 'dog').status).toBe(0);
    return out;
  }
  const readPid = (out: string, file = 'pid') =>
    Number(fs.readFileSync(path.join(out, file), 'utf8'));

  it('starts the service on READY=1 and keeps its STATUS= for why, not for status', async () => {
    const out = sb.outDir('out');
    sb.service(
      'web',
      'type = process',
      `command = ${NOTIFY} ${out}`,
      'ready-notification = notify',
    );
    sb.service('after', 'type = internal', 'depends-on = web');
    d = await sb.start(['idle']);
    expect(d.ctl('--no-wait', 'start', 'after').status).toBe(0);
    await eventually('the service to run', () => fs.existsSync(path.join(out, 'pid')));
    const [socket, usec] = fs.readFileSync(path.join(out, 'env'), 'utf8').split('\n');
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    expect(usec).toBe('');
    expect(status('web')).toMatch(/State: STARTING/);
    expect(status('after')).toMatch(/State: STARTING/);
    fs.writeFileSync(path.join(out, 'go'), '');
    await eventually('after to start', () => d.ctl('is-started', 'after').status === 0);
    const pid = readPid(out);
    await eventually('the status text', () => /serving/.test(d.ctl('why', 'web').stdout));
    expect(d.ctl('why', 'web').stdout).toContain('Status (sd_notify): serving');
    expect(valid('why', d.ctl('why', '--json', 'web').stdout).notifyStatus).toBe('serving');
    // status prints exactly what upstream prints for a started process service.
    expect(status('web')).toBe(
      `Service: web\n    State: STARTED\n    Activation: start due to dependent(s)\n    Process ID: ${pid}\n`,
    );
    expect(d.ctl('stop', 'after').status).toBe(0);
    await eventually('the process to stop', () => !alive(pid));
    // The process is gone (a zombie) a moment before the daemon has handled its exit and
    // removed the socket; with it, as it was the last one, goes the daemon's directory of them.
    await eventually(
      'the socket and its directory to be removed',
      () => !fs.existsSync(socket) && !fs.existsSync(path.dirname(socket)),
    );
  });

  it('follows the daemon named by MAINPID= after the launcher exits', async () => {
    const out = sb.outDir('out');
    sb.service(
      'forking',
      'type = process',
      `command = ${NOTIFY} ${out} fork`,
      'ready-notification = notify',
      'restart = no',
    );
    d = await sb.start(['idle']);
    fs.writeFileSync(path.join(out, 'go'), '');
    expect(d.ctl('start', 'forking').status).toBe(0);
    await eventually('the daemon pid', () => fs.existsSync(path.join(out, 'daemon-pid')));
    const daemonPid = readPid(out, 'daemon-pid');
    sb.track(daemonPid);
    await eventually('the launcher to exit', () => !alive(readPid(out)));
    await eventually('the daemon to be supervised', () =>
      status('forking').includes(`Process ID: ${daemonPid}`),
    );
    expect(status('forking')).toMatch(/State: STARTED/);
    expect(d.ctl('why', 'forking').stdout).toContain('Status (sd_notify): forked');
    expect(d.ctl('stop', 'forking').status).toBe(0);
    await eventually('the daemon to be stopped', () => !alive(daemonPid));
  });

  it('aborts a process that misses its watchdog and restarts it', async () => {
    const out = await startDog();
    const first = readPid(out);
    expect(fs.readFileSync(path.join(out, 'env'), 'utf8').split('\n')[1]).toBe('1000000');
    // Ten pings, a quarter of the timeout apart: it stays up well past its timeout.
    const pings = () => Number(fs.readFileSync(path.join(out, 'pings'), 'utf8'));
    await eventually('ten pings', () => fs.existsSync(path.join(out, 'pings')) && pings() >= 10);
    expect(alive(first)).toBe(true);
    expect(readPid(out)).toBe(first);
    fs.writeFileSync(path.join(out, 'hang'), '');
    await eventually('the hung process to be aborted', () => !alive(first));
    // The relaunch (which finds "hang" and so will not ping either) is a new process.
    await eventually('a new process', () => readPid(out) !== first);
    expect(d.ctl('why', 'dog').stdout).toMatch(/Restarts: [1-9]/);
    expect(d.ctl('why', 'dog').stdout).toMatch(/killed by signal 6/);
  });

  it('goes on hearing a started service across daemon-reexec: STATUS= and the watchdog', async () => {
    const out = await startDog();
    const pid = readPid(out);
    const socket = fs.readFileSync(path.join(out, 'env'), 'utf8').split('\n')[0];
    await eventually('the status text', () => /serving/.test(d.ctl('why', 'dog').stdout));
    expect(d.ctl('daemon-reexec').status).toBe(0);
    await eventually('the new manager', () => d.ctl('is-started', 'dog').status === 0);
    // The same process, bound again at the path it was given, with the text it last sent.
    expect(d.ctl('status', 'dog').stdout).toContain(`Process ID: ${pid}`);
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(d.ctl('why', 'dog').stdout).toContain('Status (sd_notify): serving');
    fs.writeFileSync(path.join(out, 'status'), 'after the re-exec');
    await eventually('the text sent after the re-exec', () =>
      d.ctl('why', 'dog').stdout.includes('Status (sd_notify): after the re-exec'),
    );
    // Its pings are heard: it runs on well past its timeout of a second...
    const pings = () => Number(fs.readFileSync(path.join(out, 'pings'), 'utf8'));
    const before = pings();
    await eventually('ten more pings', () => pings() >= before + 10);
    expect(alive(pid)).toBe(true);
    expect(readPid(out)).toBe(pid);
    // ...and a missed one is still caught.
    fs.writeFileSync(path.join(out, 'hang'), '');
    await eventually('the hung process to be aborted', () => !alive(pid));
    await eventually('a new process', () => readPid(out) !== pid);
  });

  (have('systemd-notify') ? it : it.skip)('takes READY=1 from systemd-notify', async () => {
    const out = sb.outDir('out');
    const script = path.join(out, 'svc.sh');
    fs.writeFileSync(
      script,
      `#!/bin/sh\necho $$ > ${out}/pid\nsystemd-notify --ready --status="via systemd-notify"\nexec sleep 600\n`,
      { mode: 0o755 },
    );
    sb.service('sn', 'type = process', `command = ${script}`, 'ready-notification = notify');
    d = await sb.start(['idle']);
    expect(d.ctl('start', 'sn').status).toBe(0);
    expect(status('sn')).toMatch(/State: STARTED/);
    expect(d.ctl('why', 'sn').stdout).toContain('Status (sd_notify): via systemd-notify');
  });
});
