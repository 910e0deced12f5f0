// adapters/index.ts: the one place that picks an adapter by platform.

import { createOs } from '../../../adapters';

describe('createOs', () => {
  const realPlatform = process.platform;
  afterEach(() => Object.defineProperty(process, 'platform', { value: realPlatform }));

  (realPlatform === 'linux' ? it : it.skip)('returns the Linux adapter on Linux', () => {
    const os = createOs({ log: () => {} });
    try {
      expect(os.constructor.name).toBe('LinuxOs');
      expect(typeof os.caps.pidfd).toBe('boolean');
    } finally {
      (os as unknown as { dispose(): void }).dispose();
    }
  });

  it('refuses a platform it has no adapter for, with code EPLATFORM', () => {
    Object.defineProperty(process, 'platform', { value: 'sunos' });
    expect(() => createOs({ log: () => {} })).toThrow(
      expect.objectContaining({ code: 'EPLATFORM', message: 'platform sunos is not supported' }),
    );
  });
});
