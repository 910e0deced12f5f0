// `npm run demo` as a newcomer follows it: every dinitctl command the demo suggests works, in
// the order printed, and Ctrl-C then stops every service and ends the demo with status 0.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const built = fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));

jest.setTimeout(60000);

(built ? it : it.skip)(
  'runs the suggested commands in the order printed, then stops on Ctrl-C',
  async () => {
    const demo = spawn(process.execPath, ['scripts/demo.js'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout.on('data', (b: Buffer) => (out += b.toString()));
    demo.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) =>
      demo.on('exit', (code) => resolve(code)),
    );
    try {
      const deadline = Date.now() + 45000;
      while (!out.includes('Press Ctrl-C')) {
        if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`demo: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Give setup (a one-second scripted start) and boot time to come up, as a reader would.
      await new Promise((r) => setTimeout(r, 1500));
      const commands = out
        .split('\n')
        .filter((l) => /^ {2}\S*dinitctl -p /.test(l))
        .map((l) => l.trim());
      expect(commands.map((c) => c.replace(/^.*? -p \S+ /, ''))).toEqual([
        'list',
        'status ticker',
        'catlog ticker',
        'catlog chatter-log',
        'stop ticker',
        'start ticker',
      ]);
      for (const c of commands) {
        const r = spawnSync('sh', ['-c', c], { cwd: ROOT, encoding: 'utf8', timeout: 10000 });
        expect({ command: c, status: r.status, stderr: r.stderr }).toEqual({
          command: c,
          status: 0,
          stderr: '',
        });
      }
      demo.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('dinit exited with status 0.');
    } finally {
      // SIGTERM, not SIGKILL: the demo passes it on to dinit, which stops its services, so a
      // failed test leaves no daemon behind holding the output pipes open.
      if (demo.exitCode === null) {
        demo.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 25000))]);
      }
    }
  },
);
