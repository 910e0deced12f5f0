// The main log as syslog (no -l), with a real datagram receiver standing in for /dev/log at a
// temp path (DINIT_SYSLOG_SOCKET): messages are held until a starts-log service has started,
// then sent one datagram each in upstream's "<pri>dinit: text" form.

import { isBuilt, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';
import { bindDgramReceiver, type DgramReceiver } from '../../support/unix-dgram';

const describeLinux = isBuilt() && process.platform === 'linux' ? describe : describe.skip;

describeLinux('dinit logging to syslog', () => {
  const sb = sandboxEach('dinit-syslog-');
  let receiver: DgramReceiver | undefined;
  /** The service status messages that arrived so far, appended to got. */
  const collect = (got: string[]): void => {
    const all = (receiver as DgramReceiver).receive();
    got.push(...all.filter((m) => m.includes('dinit: service ')));
  };
  afterEach(() => {
    receiver?.close();
    receiver = undefined;
  });

  it('holds messages until a starts-log service starts, then sends them in order', async () => {
    sb.service('boot', 'type = internal');
    sb.service('early', 'type = internal');
    sb.service('syslogd', 'type = internal', 'options = starts-log');
    const logSocket = sb.path('log');
    const d = await sb.start([], { env: { ...process.env, DINIT_SYSLOG_SOCKET: logSocket } });
    expect(d.ctl('start', 'early').status).toBe(0);
    // Nothing listens yet: the messages so far can only be waiting in the daemon.
    receiver = bindDgramReceiver(logSocket);
    const got: string[] = [];
    expect(d.ctl('start', 'syslogd').status).toBe(0);
    await eventually('the held messages', () => {
      collect(got);
      return got.length >= 3;
    });
    expect(got).toEqual([
      '<29>dinit: service boot started.\n',
      '<29>dinit: service early started.\n',
      '<29>dinit: service syslogd started.\n',
    ]);
    // Connected from now on: later messages go straight out.
    expect(d.ctl('stop', 'early').status).toBe(0);
    await eventually('the stop message', () => {
      collect(got);
      return got.length >= 4;
    });
    expect(got[3]).toBe('<29>dinit: service early stopped.\n');
    // The console (-q) shows none of it.
    expect(d.stdout()).toBe('');
  });

  it('connects again at the next starts-log start when the log daemon was not up yet', async () => {
    sb.service('boot', 'type = internal');
    sb.service('syslogd', 'type = internal', 'options = starts-log');
    sb.service('syslogd2', 'type = internal', 'options = starts-log');
    const logSocket = sb.path('log');
    const d = await sb.start([], { env: { ...process.env, DINIT_SYSLOG_SOCKET: logSocket } });
    // Nothing at the path: the connection fails quietly and the messages stay held.
    expect(d.ctl('start', 'syslogd').status).toBe(0);
    receiver = bindDgramReceiver(logSocket);
    expect(d.ctl('start', 'syslogd2').status).toBe(0);
    const got: string[] = [];
    await eventually('the held messages', () => {
      collect(got);
      return got.length >= 3;
    });
    expect(got).toEqual([
      '<29>dinit: service boot started.\n',
      '<29>dinit: service syslogd started.\n',
      '<29>dinit: service syslogd2 started.\n',
    ]);
    expect(d.stderr()).toBe('');
  });
});
