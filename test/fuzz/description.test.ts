// The service-description reader under arbitrary bytes: it returns a description or fails with
// a ServiceLoadError that names the file and line (a description error), the file it could not
// read, or the service (a check of the whole description, which has no line).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadServiceDescription } from '../../src/config/read-description';
import { ServiceLoadError } from '../../src/errors';
import { bytesFrom, fuzz, regressionCases } from './fuzz-support';

const TOKENS = [
  'type', 'command', 'stop-command', 'depends-on', 'waits-for.d', 'options', 'run-as',
  'rlimit-core', 'logfile', 'env-file', 'working-dir', 'restart', 'smooth-recovery', 'socket-listen',
  'ready-notification', 'log-type', 'log-buffer-size', 'load-options', 'chain-to', 'consumer-of',
  '=', ':', '+=', ' ', '\t', '"', "'", '\\', '\\\n', '#', '\n', '\n ', '$', '${', '}', ':-', ':+',
  '$$', '$1', '$/A', '@include ', '@include-opt ', '@meta ', '@meta enable-via x', 'process',
  'bgprocess', 'scripted', 'internal', 'triggered', 'pipe', 'buffer', 'file', '1', '-1', '0x10',
  '99999999999999999999', '-', 'x', '/bin/true', '/', '.', '..', 'yes', 'no', 'pipefd:3',
  'pipevar:X', '\u00e9', '\u00ff\u00fe\u0080', '\0',
]; // prettier-ignore

let root = '';
let sd = '';

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-desc-'));
  sd = path.join(root, 'sd');
  fs.mkdirSync(sd);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Loads the bytes as sd/fuzz (with and without an argument); only named load errors pass. */
function checkDescription(bytes: Buffer): void {
  const file = path.join(sd, 'fuzz');
  fs.writeFileSync(file, bytes);
  for (const name of ['fuzz', 'fuzz@a']) {
    try {
      loadServiceDescription(name, { serviceDirs: [sd], env: { A: 'x y' }, cwd: root });
    } catch (e) {
      if (!(e instanceof ServiceLoadError)) throw e;
      const f = e.failure;
      if (f.kind === 'not-found') throw new Error('the file exists');
      if (f.kind === 'description') {
        if (f.file === undefined && f.setting === undefined)
          throw new Error(`unplaced: ${f.message}`);
        if (f.file !== undefined && f.line === undefined && f.setting === undefined) {
          throw new Error(`no line: ${f.message}`);
        }
      } else if (!f.message.includes(': ') && f.name !== 'fuzz') {
        // A load error names the file it could not read ("<file>: <reason>", an @include), or,
        // for a check of the whole description (no line to name, as upstream), the service.
        throw new Error(`load error naming neither file nor service: ${f.message}`);
      }
    }
  }
}

describe('service-description reader under arbitrary bytes', () => {
  it('keeps every input that ever failed fixed', () => {
    for (const c of regressionCases('description')) checkDescription(c.bytes);
  });

  it('loads or fails with a load error naming the file and line', () => {
    fuzz('description', bytesFrom(TOKENS), checkDescription);
  });
});
