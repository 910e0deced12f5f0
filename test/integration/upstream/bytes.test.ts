// Names that are not UTF-8 between implementations: upstream's dinitctl drives our bin/dinit,
// and ours drives upstream's dinit, through start, status, list and stop of a service whose
// name (and file name) is bytes that are not UTF-8, and of one named in UTF-8; each transcript
// must be byte for byte the one upstream's own client and daemon produce. DINIT_UPSTREAM_BINDIR
// names upstream's build; without it the suite is skipped, and says so.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, Sandbox } from '../../support/daemon';
import { eventually } from '../../support/eventually';

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUpstream =
  UP !== '' && ['dinit', 'dinitctl'].every((b) => fs.existsSync(path.join(UP, b)));
const built = fs.existsSync(path.join(ROOT, 'dist/src/daemon/main.js'));
if (!haveUpstream) {
  process.stderr.write(
    'upstream bytes: SKIPPED: set DINIT_UPSTREAM_BINDIR to a directory holding upstream ' +
      "Dinit's dinit and dinitctl to compare bytes that are not UTF-8 with upstream\n",
  );
}

jest.setTimeout(90000);

const RAW = Buffer.from([0x6e, 0xff, 0xfe, 0x80, 0x78]); // "n", ff fe 80, "x"
const CAFE = Buffer.from('café');
const upDinit = path.join(UP, 'dinit');
const upCtl = path.join(UP, 'dinitctl');
const ourDinit = path.join(ROOT, 'bin/dinit');
const ourCtl = path.join(ROOT, 'bin/dinitctl');

/** The transcript of a scenario with `dinit` serving and `dinitctl` driving it, as bytes. */
async function scenario(dinit: string, dinitctl: string): Promise<Buffer> {
  const sb = new Sandbox('dinit-bytes-up-');
  sb.open();
  const sock = sb.path('sock');
  const svc = (name: Buffer, text: string): void =>
    fs.writeFileSync(Buffer.concat([Buffer.from(`${sb.sd}/`), name]), text);
  svc(Buffer.from('boot'), 'type = internal\n');
  svc(RAW, 'type = process\ncommand = /bin/sleep 1000\n');
  svc(CAFE, 'type = internal\n');
  const env = { HOME: sb.dir, PATH: '/bin:/usr/bin' };
  const d = spawn(dinit, ['-u', '-q', '-d', sb.sd, '-p', sock, 'boot'], {
    env: sb.env(env),
    stdio: 'ignore',
  });
  const parts: Buffer[] = [];
  // Node's spawn takes only text: a shell turns octal escapes back into the argument's bytes.
  const ctl = (...args: Buffer[]): void => {
    const octal = args.map((a) =>
      [...a].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join(''),
    );
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        'n=$#; for h; do set -- "$@" "$(printf "$h")"; done; shift $n; exec "$CTL" -p "$SOCK" "$@"',
        'sh',
        ...octal,
      ],
      { env: { ...env, CTL: dinitctl, SOCK: sock }, timeout: 20000 },
    );
    const pids = /\d{2,}/g;
    parts.push(Buffer.from(`$ ${args.map((a) => a.toString('latin1')).join(' ')}\n`, 'latin1'));
    parts.push(Buffer.from(r.stdout.toString('latin1').replace(pids, 'N'), 'latin1'));
    parts.push(r.stderr, Buffer.from(`[${r.status}]\n`));
  };
  try {
    await eventually('the control socket', () => fs.existsSync(sock));
    ctl(Buffer.from('start'), RAW);
    ctl(Buffer.from('status'), RAW);
    ctl(Buffer.from('start'), CAFE);
    ctl(Buffer.from('list'));
    ctl(Buffer.from('stop'), RAW);
    ctl(Buffer.from('shutdown'));
    await eventually('the daemon to exit', () => d.exitCode !== null || d.signalCode !== null);
  } finally {
    if (d.exitCode === null) d.kill('SIGKILL');
    await sb.close();
  }
  return Buffer.concat(parts);
}

(haveUpstream && built ? describe : describe.skip)(
  'bytes that are not UTF-8, with upstream',
  () => {
    let reference: Buffer;

    beforeAll(async () => {
      reference = await scenario(upDinit, upCtl);
    });

    test("upstream's dinitctl against our daemon prints the same bytes", async () => {
      expect((await scenario(ourDinit, upCtl)).toString('latin1')).toBe(
        reference.toString('latin1'),
      );
    });

    test("our dinitctl against upstream's daemon prints the same bytes", async () => {
      expect((await scenario(upDinit, ourCtl)).toString('latin1')).toBe(
        reference.toString('latin1'),
      );
    });

    test('the reference itself names the service with its bytes', () => {
      expect(reference.includes(Buffer.concat([Buffer.from("Service '"), RAW]))).toBe(true);
      expect(reference.includes(Buffer.concat([Buffer.from('] '), CAFE, Buffer.from('\n')]))).toBe(
        true,
      );
    });
  },
);
