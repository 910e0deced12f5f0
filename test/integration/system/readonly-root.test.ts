// A system instance booted on a read-only root (here the namespace's /run, remounted read-only
// before dinit starts): it carries on without its control socket, and opens it once the
// starts-rwfs service has made the filesystem writable, as upstream does. Skipped where
// unshare cannot make namespaces.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootNs, waitFor, whyNoNamespaces, type NsBoot } from './ns-harness';

const why = whyNoNamespaces();
const describeNs = why === undefined ? describe : describe.skip;
if (why !== undefined) console.log(`read-only root tests skipped: ${why}`);

describeNs('dinit as PID 1 on a read-only root', () => {
  jest.setTimeout(60000);
  let boot: NsBoot | undefined;
  afterEach(async () => {
    await boot?.cleanup();
    boot = undefined;
  });

  it('opens the control socket once the starts-rwfs service has started', async () => {
    boot = await bootNs(
      [],
      {
        boot: 'type = internal\nwaits-for = getty\n',
        rootrw:
          'type = scripted\noptions = starts-rwfs\n' +
          // Waits for a go-ahead file, so the test sees the read-only stretch first.
          'command = /bin/sh -c "while [ ! -e $OUT_DIR/go ]; do sleep 0.05; done; mount -o remount,rw /run"\n',
        getty: 'type = process\ndepends-on = rootrw\ncommand = /bin/sleep 1000\n',
      },
      { systemSocket: true, waitSocket: false, setup: 'mount -o remount,ro /run' },
    );
    const b = boot;
    // The manager runs (the init's child is up) while the socket cannot exist yet.
    expect(await waitFor(() => b.manager() !== undefined, 15000)).toBe(true);
    expect(b.inside(['test', '-e', '/run/dinitctl']).status).not.toBe(0);
    fs.writeFileSync(path.join(b.dir, 'go'), '');
    expect(await waitFor(() => b.ctl('is-started', 'getty').status === 0, 15000)).toBe(true);
    expect(b.output()).not.toMatch(/Error binding control socket|cannot write the journal/);
  });
});
