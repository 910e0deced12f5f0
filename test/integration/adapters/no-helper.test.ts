// The Linux adapter when the exec helper is not built: plain services and log files still
// work (the daemon opens the log file itself), and specs needing pre-exec steps fail with an
// error that names the missing helper.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ProcessEvents, type ProcessSpec } from '../../../src/core/os';
import { LinuxOs } from '../../../adapters/linux/linux-os';
import { execStageDescription } from '../../../src/model';
import { processSpec } from '../../support/process-spec';

const describeLinux = process.platform === 'linux' ? describe : describe.skip;

type Outcome =
  { kind: 'exit'; code: number | string } | { kind: 'failed'; stage: string; errno: number };

describeLinux('Linux adapter without the exec helper', () => {
  let adapter: LinuxOs;
  let tmp: string;
  const logs: string[] = [];
  const saved = [process.env.DINIT_EXEC_HELPER, process.env.DINIT_SPAWNER];

  beforeAll(() => {
    // As without a C compiler: neither the helper nor the spawner is built.
    process.env.DINIT_EXEC_HELPER = '/nonexistent/dinit-exec-helper';
    process.env.DINIT_SPAWNER = 'off';
    adapter = new LinuxOs({ log: (l, m) => logs.push(`${l}: ${m}`), noSubreaper: true });
    for (const [name, value] of [
      ['DINIT_EXEC_HELPER', saved[0]],
      ['DINIT_SPAWNER', saved[1]],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => adapter.dispose());
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-nohelper-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function spec(extra: Partial<ProcessSpec>): ProcessSpec {
    return processSpec({ argv: ['sh', '-c', 'echo out; echo err >&2'], ...extra });
  }

  function run(s: ProcessSpec): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no outcome in 10 s')), 10000);
      const events: ProcessEvents = {
        onExit: (st) => {
          clearTimeout(t);
          resolve({ kind: 'exit', code: st.kind === 'exited' ? st.code : `signal ${st.signal}` });
        },
        onExecFailed: (stage, errno) => {
          clearTimeout(t);
          resolve({ kind: 'failed', stage: execStageDescription(stage), errno });
        },
      };
      adapter.launch(s, events);
    });
  }

  it('reports the helper as missing, once', () => {
    expect(adapter.caps.execHelper).toBe(false);
    expect(logs.filter((l) => l.includes('exec helper not built'))).toHaveLength(1);
  });

  it('writes a log file opened by the daemon, with its permissions', async () => {
    const log = path.join(tmp, 'svc.log');
    expect(await run(spec({ output: { kind: 'file', path: log, permissions: 0o640 } }))).toEqual({
      kind: 'exit',
      code: 0,
    });
    expect(fs.readFileSync(log, 'utf8')).toBe('out\nerr\n');
    expect(fs.statSync(log).mode & 0o777).toBe(0o640);
  });

  it('still refuses to follow a symlink at the log file path', async () => {
    const target = path.join(tmp, 'target');
    fs.writeFileSync(target, '');
    const log = path.join(tmp, 'svc.log');
    fs.symlinkSync(target, log);
    expect(await run(spec({ output: { kind: 'file', path: log, permissions: 0o600 } }))).toEqual({
      kind: 'failed',
      stage: 'opening log file',
      errno: 40,
    });
    expect(fs.readFileSync(target, 'utf8')).toBe('');
  });

  it('fails the launch at the stage of the missing step, naming the helper', async () => {
    let message = '';
    const outcome = await new Promise<Outcome>((resolve) => {
      adapter.launch(spec({ nice: 5 }), {
        onExit: (st) => resolve({ kind: 'exit', code: st.kind === 'exited' ? st.code : -1 }),
        onExecFailed: (stage, errno, msg) => {
          message = msg;
          resolve({ kind: 'failed', stage: execStageDescription(stage), errno });
        },
      });
    });
    expect(outcome).toEqual({
      kind: 'failed',
      stage: 'setting I/O priority',
      errno: os.constants.errno.ENOSYS,
    });
    expect(message).toMatch(/needs the exec helper \(for nice\), which is not built/);
  });
});
