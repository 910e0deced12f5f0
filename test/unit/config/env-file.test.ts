// Environment files: NAME=VALUE lines, comments, !clear/!unset/!import, bad-line reporting,
// and the global (-e) file read over the process environment.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EnvironmentRules,
  applyEnvFileText,
  readEnvFile,
  readGlobalEnvFile,
} from '../../../src/config/env-file';
import { EnvFileError } from '../../../src/errors';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envfile-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('applyEnvFileText', () => {
  it('sets variables, trimming space around the name but keeping the value as written', () => {
    const r = new EnvironmentRules();
    applyEnvFileText('  A = x y \n# comment\n\nB=\n', r);
    expect(r.build({})).toEqual({ A: ' x y ', B: '' });
  });

  it('reports lines without = and lines starting with =, and carries on', () => {
    const bad: number[] = [];
    const r = new EnvironmentRules();
    applyEnvFileText('A=1\nnonsense\n=x\nB=2\n', r, { onInvalidSetting: (l) => bad.push(l) });
    expect(bad).toEqual([2, 3]);
    expect(r.build({})).toEqual({ A: '1', B: '2' });
  });

  it('reports unknown ! commands', () => {
    const bad: number[] = [];
    applyEnvFileText('!frob x\n', new EnvironmentRules(), { onBadCommand: (l) => bad.push(l) });
    expect(bad).toEqual([1]);
  });

  it('!unset removes an inherited variable and one set earlier', () => {
    const r = new EnvironmentRules();
    applyEnvFileText('A=1\n!unset A P\n', r);
    expect(r.build({ P: 'p', Q: 'q' })).toEqual({ Q: 'q' });
  });

  it('!clear drops the inherited environment except what !import brings back', () => {
    const r = new EnvironmentRules();
    applyEnvFileText('X=1\n!clear\n!import HOME\nY=2\n', r);
    expect(r.build({ HOME: '/h', PATH: '/bin' })).toEqual({ HOME: '/h', Y: '2' });
  });
});

describe('readEnvFile', () => {
  it('returns the variables a file sets', () => {
    expect(readEnvFile(write('ok', 'A=1\nB=two words\n'))).toEqual({ A: '1', B: 'two words' });
  });

  it('throws EnvFileError naming file and line for a bad line', () => {
    const p = write('bad', 'A=1\noops\n');
    try {
      readEnvFile(p);
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(EnvFileError);
      expect((e as EnvFileError).code).toBe('ERR_DINIT_ENV_FILE');
      expect((e as EnvFileError).line).toBe(2);
      expect((e as EnvFileError).message).toContain(`${p}:2`);
    }
  });

  it('throws EnvFileError for a missing file', () => {
    expect(() => readEnvFile(path.join(tmp, 'none'))).toThrow(EnvFileError);
  });
});

describe('readGlobalEnvFile', () => {
  it('applies the file over the parent environment and warns about bad lines', () => {
    const warnings: string[] = [];
    const env = readGlobalEnvFile(
      write('global', 'A=1\nbad\n!unset DROP\n'),
      { KEEP: 'k', DROP: 'd' },
      (m) => warnings.push(m),
    );
    expect(env).toEqual({ KEEP: 'k', A: '1' });
    expect(warnings).toEqual(['Invalid environment variable setting in environment file (line 2)']);
  });

  it('returns the parent unchanged when the file does not exist', () => {
    expect(readGlobalEnvFile(path.join(tmp, 'absent'), { A: 'a' })).toEqual({ A: 'a' });
  });
});
