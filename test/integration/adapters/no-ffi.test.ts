// The Linux adapter when koffi cannot be loaded: the FFI capabilities are off and said so
// once, and plain launches still work through child_process alone.

import type { ExitStatus } from '../../../src/model';

const describeLinux = process.platform === 'linux' ? describe : describe.skip;

describeLinux('Linux adapter without FFI', () => {
  it('turns pidfd, subreaper and log pipes off, logs why, and still launches', async () => {
    jest.resetModules();
    jest.doMock('koffi', () => {
      throw new Error('koffi missing for this test');
    });
    type LinuxModule = typeof import('../../../adapters/linux/linux-os');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LinuxOs } = require('../../../adapters/linux/linux-os') as LinuxModule;
    const logs: string[] = [];
    const os = new LinuxOs({ log: (level, msg) => logs.push(`${level}: ${msg}`) });
    try {
      expect(os.caps).toMatchObject({ pidfd: false, subreaper: false });
      expect(logs.filter((l) => l.includes('FFI (koffi) unavailable'))).toHaveLength(1);
      expect(() => os.createLogPipe()).toThrow(/FFI layer \(koffi\)/);
      const chunks: Buffer[] = [];
      const status = await new Promise<ExitStatus>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no exit in 10 s')), 10000);
        os.launch(
          {
            serviceName: 'plain',
            argv: ['sh', '-c', 'echo hi; exit 5'],
            env: { PATH: '/usr/bin:/bin' },
            stdin: { kind: 'null' },
            output: { kind: 'buffer', sink: (c) => chunks.push(c) },
            newSession: true,
            onConsole: false,
            unmaskIntr: false,
          },
          {
            onExit: (s) => {
              clearTimeout(t);
              resolve(s);
            },
            onExecFailed: (stage, _errno, msg) => {
              clearTimeout(t);
              reject(new Error(`${stage}: ${msg}`));
            },
          },
        );
      });
      expect(status).toEqual({ kind: 'exited', code: 5 });
      const end = Date.now() + 5000;
      while (Buffer.concat(chunks).toString() !== 'hi\n' && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(Buffer.concat(chunks).toString()).toBe('hi\n');
    } finally {
      os.dispose();
      jest.dontMock('koffi');
    }
  });
});
