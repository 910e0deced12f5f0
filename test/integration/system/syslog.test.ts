// The system manager's main log as PID 1 of a namespace: syslog by default, held from "Starting
// system" on until the service with starts-log has started, with a real datagram receiver at a
// temp path standing in for /dev/log (DINIT_SYSLOG_SOCKET). Skipped where unshare cannot make
// namespaces.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindDgramReceiver, type DgramReceiver } from '../../support/unix-dgram';
import { bootNs, waitFor, whyNoNamespaces, type NsBoot } from './ns-harness';

const why = whyNoNamespaces();
const describeNs = why === undefined ? describe : describe.skip;
if (why !== undefined) console.log(`namespace syslog tests skipped: ${why}`);

describeNs('dinit as PID 1 logging to syslog', () => {
  jest.setTimeout(60000);
  let boot: NsBoot | undefined;
  let receiver: DgramReceiver | undefined;
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-ns-syslog-'));
  });
  afterEach(async () => {
    await boot?.cleanup();
    boot = undefined;
    receiver?.close();
    receiver = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends "Starting system" and the boot to syslog once the log service is up', async () => {
    const logSocket = path.join(dir, 'log');
    receiver = bindDgramReceiver(logSocket);
    const r = receiver;
    boot = await bootNs(
      [],
      {
        boot: 'type = internal\ndepends-on = syslogd\nwaits-for = getty\n',
        syslogd: 'type = internal\noptions = starts-log\n',
        getty: 'type = process\ndepends-on = syslogd\ncommand = /bin/sleep 1000\n',
      },
      { env: { DINIT_SYSLOG_SOCKET: logSocket } },
    );
    const got: string[] = [];
    const arrived = (m: string): boolean => {
      got.push(...r.receive());
      return got.includes(m);
    };
    expect(await waitFor(() => arrived('<29>dinit: service boot started.\n'), 15000)).toBe(true);
    const status = got.filter(
      (m) => m === '<29>dinit: Starting system\n' || m.includes('dinit: service '),
    );
    expect(status).toEqual([
      '<29>dinit: Starting system\n',
      '<29>dinit: service syslogd started.\n',
      '<29>dinit: service getty started.\n',
      '<29>dinit: service boot started.\n',
    ]);
    // The console still has the status lines, without priorities.
    expect(boot.output()).toMatch(/\[ {2}OK {2}\] syslogd/);
    expect(boot.output()).not.toMatch(/<29>|not supported/);
  });
});
