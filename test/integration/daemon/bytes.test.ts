// Descriptions, names, arguments, paths and env files are bytes, as in Dinit: bytes that are not
// UTF-8 reach the service, the file system and dinitctl's output unchanged, and UTF-8 names
// still print as UTF-8.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DINITCTL, ROOT, isBuilt, sandboxAll, type Dinit } from '../../support/daemon';

const ARGV_SH = path.join(ROOT, 'fixtures/integration/scripts/argv.sh');
const b = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** A name that is not UTF-8: "n", ff, "x". */
const RAW_NAME = b('n', [0xff], 'x');
const CAFE = 'café';

(isBuilt() ? describe : describe.skip)('bytes that are not UTF-8, on the real daemon', () => {
  const sb = sandboxAll('dinit-bytes-');
  let d: Dinit;
  const sd = (name: Buffer | string): Buffer => b(sb.sd, '/', name);
  const out = (name: string): Buffer => b(sb.path('out'), '/', name);
  const writeService = (name: Buffer | string, ...lines: Array<string | Buffer>): void => {
    fs.writeFileSync(sd(name), Buffer.concat(lines.map((l) => b(l, '\n'))));
  };

  /**
   * dinitctl with arguments given as bytes: Node's spawn only takes text, so a shell passes
   * them ("$@" after sh -c, each argument given as hex and turned back into bytes by printf).
   */
  const ctlBytes = (
    ...args: Buffer[]
  ): { status: number | null; stdout: Buffer; stderr: Buffer } => {
    const script =
      'i=0; for h in "$@"; do i=$((i+1)); eval "a$i=\\$(printf \\"$h\\")"; done; ' +
      'set --; j=1; while [ $j -le $i ]; do eval "set -- \\"\\$@\\" \\"\\$a$j\\""; j=$((j+1)); done; ' +
      'exec "$DINITCTL" -p "$SOCK" "$@"';
    const hex = args.map((a) => [...a].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join(''));
    const r = spawnSync('/bin/sh', ['-c', script, 'sh', ...hex], {
      env: { ...process.env, DINITCTL, SOCK: d.socket },
      timeout: 20000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    fs.mkdirSync(sb.path('out'));
    sb.service('boot', 'type = internal');
    writeService(
      'args',
      'type = scripted',
      b(`command = ${ARGV_SH} ${sb.path('out/args')} `, [0xff, 0xfe, 0x80], ` ${CAFE}`),
    );
    writeService(
      'logged',
      'type = scripted',
      'command = /bin/sh -c "echo to-the-log"',
      b(`logfile = ${sb.path('out')}/log`, [0xe9]),
    );
    fs.writeFileSync(sd('vars.env'), b('RAW=', [0xff, 0xfe], 'x\n', `TEXT=${CAFE}\n`));
    writeService(
      'env',
      'type = scripted',
      `command = ${ARGV_SH} ${sb.path('out/env')} $RAW $TEXT`,
      'env-file = vars.env',
    );
    writeService(
      RAW_NAME,
      'type = scripted',
      `command = ${ARGV_SH} ${sb.path('out/raw-name')} started`,
    );
    writeService(CAFE, 'type = scripted', `command = ${ARGV_SH} ${sb.path('out/cafe')} ok`);
    writeService(
      'inherited',
      'type = scripted',
      `command = ${ARGV_SH} ${sb.path('out/inherited')} $INHERITED`,
    );
    // Node can only give text to the daemon's environment: a shell puts the bytes there.
    const shell = ['/bin/sh', '-c', 'INHERITED=$(printf "a\\377b"); export INHERITED; exec "$@"'];
    d = await sb.start([], { prefix: [...shell, 'sh'] });
  });

  test('a command argument of bytes ff fe 80 reaches the service byte for byte', () => {
    expect(d.ctl('start', 'args').status).toBe(0);
    expect(fs.readFileSync(out('args'))).toEqual(b([0xff, 0xfe, 0x80, 0], CAFE, [0]));
  });

  test('a logfile name with the byte e9 creates exactly that file', () => {
    // A scripted service is started once its command has finished writing.
    expect(d.ctl('start', 'logged').status).toBe(0);
    expect(fs.readFileSync(b(sb.path('out'), '/log', [0xe9]))).toEqual(b('to-the-log\n'));
    const names = fs.readdirSync(b(sb.path('out')), { encoding: 'buffer' });
    expect(names.filter((n) => n.subarray(0, 3).toString() === 'log')).toEqual([b('log', [0xe9])]);
  });

  test('an env-file value that is not UTF-8 reaches the service byte for byte', () => {
    expect(d.ctl('start', 'env').status).toBe(0);
    expect(fs.readFileSync(out('env'))).toEqual(b([0xff, 0xfe], 'x', [0], CAFE, [0]));
  });

  test("a variable of the daemon's own environment that is not UTF-8 keeps its bytes", () => {
    expect(d.ctl('start', 'inherited').status).toBe(0);
    expect(fs.readFileSync(out('inherited'))).toEqual(b('a', [0xff], 'b', [0]));
  });

  test('a service whose file name is not UTF-8 starts by that name and is listed with it', () => {
    const started = ctlBytes(b('start'), RAW_NAME);
    expect(started.stderr.toString()).toBe('');
    expect(started.stdout).toEqual(b("Service '", RAW_NAME, "' started.\n"));
    expect(fs.readFileSync(out('raw-name'))).toEqual(b('started', [0]));
    const list = ctlBytes(b('list'));
    expect(list.status).toBe(0);
    expect(list.stdout.includes(b('[[+]     ] ', RAW_NAME, '\n'))).toBe(true);
    const status = ctlBytes(b('status'), RAW_NAME);
    expect(status.stdout.subarray(0, 9 + RAW_NAME.length + 1)).toEqual(
      b('Service: ', RAW_NAME, '\n'),
    );
  });

  test('dinitctl --json shows a byte that is not UTF-8 as the escape \\udcXX, UTF-8 as text', () => {
    expect(d.ctl('start', CAFE).status).toBe(0);
    const r = ctlBytes(b('list'), b('--json'));
    expect(r.status).toBe(0);
    const text = r.stdout.toString('utf8');
    expect(Buffer.from(text, 'utf8')).toEqual(r.stdout); // valid UTF-8
    const names = (JSON.parse(text) as Array<{ name: string }>).map((s) => s.name);
    expect(names).toContain('n\udcffx');
    expect(names).toContain(CAFE);
  });

  test('a UTF-8 name still works everywhere and prints as the same UTF-8 bytes', () => {
    const r = spawnSync(DINITCTL, ['-p', d.socket, 'restart', CAFE]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString('utf8')).toMatch(new RegExp(`^Service '${CAFE}' \\w+\\.\n`));
    expect(fs.readFileSync(out('cafe'))).toEqual(b('ok', [0]));
    const list = spawnSync(DINITCTL, ['-p', d.socket, 'list']);
    expect(list.stdout.includes(b(`] ${CAFE}\n`))).toBe(true);
  });
});

(isBuilt() ? describe : describe.skip)(
  'bytes without the native spawner (DINIT_SPAWNER=off)',
  () => {
    const sb = sandboxAll('dinit-bytes-nospawner-');
    let d: Dinit;

    beforeAll(async () => {
      fs.mkdirSync(sb.path('out'));
      sb.service('boot', 'type = internal');
      fs.writeFileSync(
        b(sb.sd, '/raw'),
        b(`type = scripted\ncommand = ${ARGV_SH} ${sb.path('out/raw')} `, [0xff, 0xfe, 0x80], '\n'),
      );
      sb.service('text', 'type = scripted', `command = ${ARGV_SH} ${sb.path('out/text')} ${CAFE}`);
      d = await sb.start([], { env: { ...process.env, DINIT_SPAWNER: 'off' } });
    });

    test('an argument that is not UTF-8 fails the start with a reason instead of changing', () => {
      const r = d.ctlOut('start', 'raw');
      expect(r.status).toBe(1);
      expect(fs.existsSync(sb.path('out/raw'))).toBe(false);
      expect(d.ctlOut('status', 'raw').out).toContain(
        'Error: Invalid or incomplete multibyte or wide character',
      );
    });

    test('UTF-8 arguments still pass unchanged', () => {
      expect(d.ctl('start', 'text').status).toBe(0);
      expect(fs.readFileSync(sb.path('out/text'))).toEqual(b(CAFE, [0]));
    });
  },
);
