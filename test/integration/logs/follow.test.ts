// dinitctl logs -f through the real daemon and real writers: a rotated log file followed across
// many rotations; buffered output pushed by the daemon (DTS_FOLLOW), every line once and in
// order; a follower that does not read costs the daemon a bounded amount and is told how many
// bytes it lost; against upstream's daemon (DINIT_UPSTREAM_BINDIR), polling CATLOG instead.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DTS_EXTENSION_VERSION } from '../../../src/protocol/codes';
import { decodeServerPacket, type ServerPacket } from '../../../src/protocol/replies';
import { encodeRequest } from '../../../src/protocol/requests';
import { FOLLOW_OUTPUT_LIMIT } from '../../../src/daemon/control-conn';
import { DINITCTL, FIXTURES, isBuilt, sandboxAll, sandboxEach } from '../../support/daemon';
import { eventually } from '../../support/eventually';

jest.setTimeout(120000);

const GATED = path.join(FIXTURES, 'gated-writer.sh');

/**
 * Runs `dinitctl logs -f ...` with its output going to a file (never blocked by our reading),
 * and reads what it printed so far.
 */
function follow(
  socket: string,
  outFile: string,
  ...args: string[]
): { proc: ChildProcess; seen: () => string } {
  const fd = fs.openSync(outFile, 'w');
  const proc = spawn(DINITCTL, ['-p', socket, 'logs', '-f', ...args], {
    stdio: ['ignore', fd, 'inherit'],
  });
  fs.closeSync(fd);
  return { proc, seen: () => fs.readFileSync(outFile, 'utf8') };
}

/** A raw protocol client: what it sends, and every packet decoded so far. */
function rawClient(socket: string): { sock: net.Socket; packets: ServerPacket[] } {
  const sock = net.connect(socket);
  const packets: ServerPacket[] = [];
  let buf = Buffer.alloc(0);
  sock.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    for (;;) {
      const r = decodeServerPacket(buf);
      if (r.status !== 'ok') break;
      packets.push(r.packet);
      buf = buf.subarray(r.length);
    }
  });
  return { sock, packets };
}

/** LOADSERVICE on a raw client: the handle. */
async function load(c: { sock: net.Socket; packets: ServerPacket[] }, name: string) {
  const before = c.packets.length;
  c.sock.write(encodeRequest({ type: 'LOADSERVICE', name }));
  const record = () => c.packets.slice(before).find((p) => p.type === 'SERVICERECORD');
  await eventually('the service record', () => record() !== undefined);
  const rec = record();
  return rec?.type === 'SERVICERECORD' ? rec.handle : -1;
}

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

/** Bytes of `seq -f 'line %.0f' 1 n`. */
const numberedBytes = (n: number) => numbered(n).reduce((t, l) => t + l.length + 1, 0);

/** The messages of one service in `logs` output ("<time> <name> | <message>"). */
function messages(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.includes(` ${name} | `))
    .map((l) => l.slice(l.indexOf(' | ') + 3));
}

(isBuilt() ? describe : describe.skip)('dinitctl logs -f (real daemon)', () => {
  const sb = sandboxEach('dinit-follow-');
  const followers: ChildProcess[] = [];
  afterEach(() => {
    for (const p of followers.splice(0)) p.kill();
  });

  it('follows a rotated log file across many rotations, every line once and in order', async () => {
    const N = 20000;
    const log = sb.path('rot.log');
    const go = sb.path('go');
    sb.service(
      'rot',
      'type = process',
      `command = ${GATED} ${N} ${go}`,
      `logfile = ${log}`,
      'logfile-max-size = 4K',
      'logfile-max-files = 200',
    );
    const d = await sb.start(['rot']);
    const f = follow(d.socket, sb.path('follow.out'), '-n', '0', 'rot');
    followers.push(f.proc);
    await eventually('logs -f to follow', () => f.seen().includes('rot | ready'));
    fs.writeFileSync(go, '');
    await eventually('the end', () => f.seen().includes('rot | end\n'), { timeoutMs: 60000 });
    const lines = messages(f.seen(), 'rot').filter((m) => m !== 'ready');
    expect(lines).toEqual([...numbered(N), 'end']);
    // It did rotate, many times.
    expect(fs.existsSync(`${log}.20`)).toBe(true);
  });

  it('prints buffered output the daemon pushes, every line once and in order', async () => {
    const N = 20000;
    const go = sb.path('go');
    // A buffer far smaller than the output: a follower still gets all of it.
    sb.service(
      'pushed',
      'type = process',
      `command = ${GATED} ${N} ${go}`,
      'log-type = buffer',
      'log-buffer-size = 1024',
    );
    const d = await sb.start(['pushed']);
    const f = follow(d.socket, sb.path('follow.out'), '-n', '1', 'pushed');
    followers.push(f.proc);
    await eventually('logs -f to follow', () => f.seen().includes('pushed | ready'));
    fs.writeFileSync(go, '');
    await eventually('the end', () => f.seen().includes('pushed | end\n'), { timeoutMs: 60000 });
    const lines = messages(f.seen(), 'pushed').filter((m) => m !== 'ready');
    expect(lines).toEqual([...numbered(N), 'end']);
    expect(f.seen()).not.toContain('dropped');
  });

  it('drops and counts the output of a follower that does not read, and tells it', async () => {
    const N = 400000;
    const go = sb.path('go');
    sb.service(
      'flood',
      'type = process',
      `command = ${GATED} ${N} ${go} quiet`,
      'log-type = buffer',
      'log-buffer-size = 4096',
      'log-buffer-keep = newest',
    );
    const d = await sb.start(['flood']);
    // A raw client: hello, load, follow; then it stops reading.
    const c = rawClient(d.socket);
    const { sock, packets } = c;
    sock.write(encodeRequest({ type: 'DTS_HELLO', version: DTS_EXTENSION_VERSION }));
    const handle = await load(c, 'flood');
    sock.write(encodeRequest({ type: 'DTS_FOLLOW', handle }));
    await eventually('the follow', () => packets.some((p) => p.type === 'DTS_FOLLOWING'));
    sock.pause();
    fs.writeFileSync(go, '');
    // The service writes everything although nobody reads what the daemon forwards.
    await eventually(
      'the end of the output',
      () => d.ctl('catlog', 'flood').stdout.endsWith(`line ${N}\nend\n`),
      { timeoutMs: 60000 },
    );
    const rss = Number(
      /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${d.pid}/status`, 'utf8'))?.[1],
    );
    sock.resume();
    const total = numberedBytes(N) + 'end\n'.length;
    const count = () =>
      packets.reduce((t, p) => (p.type === 'DTS_OUTPUT' ? t + p.data.length + p.dropped : t), 0);
    await eventually('every byte received or reported dropped', () => count() >= total);
    expect(count()).toBe(total);
    const out = packets.filter((p) => p.type === 'DTS_OUTPUT');
    const dropped = out.reduce((t, p) => t + (p.type === 'DTS_OUTPUT' ? p.dropped : 0), 0);
    const received = out.reduce((t, p) => t + (p.type === 'DTS_OUTPUT' ? p.data.length : 0), 0);
    // Most of it was dropped: the daemon kept at most its bound for this reader.
    expect(dropped).toBeGreaterThan(total / 2);
    expect(received).toBeGreaterThan(0);
    // What was received is the output itself: in order, from its start.
    const data = Buffer.concat(
      out.map((p) => (p.type === 'DTS_OUTPUT' ? p.data : Buffer.alloc(0))),
    );
    expect(data.subarray(0, 12).toString()).toBe('line 1\nline ');
    process.stdout.write(
      `follow flood: ${total} bytes written, ${received} received, ${dropped} dropped, ` +
        `limit ${FOLLOW_OUTPUT_LIMIT}, daemon VmRSS ${rss} kB\n`,
    );
    sock.destroy();
  });
});

(isBuilt() ? describe : describe.skip)('DTS_FOLLOW (real daemon)', () => {
  const sb = sandboxEach('dinit-dtsfollow-');

  it('is unknown before the hello, and refused for a service without a buffer', async () => {
    sb.service('plain', 'type = process', 'command = /bin/sleep 1000');
    const d = await sb.start(['plain']);
    const early = rawClient(d.socket);
    const h = await load(early, 'plain');
    early.sock.write(encodeRequest({ type: 'DTS_FOLLOW', handle: h }));
    await eventually('BADREQ', () => early.packets.some((p) => p.type === 'BADREQ'));
    early.sock.destroy();
    const c = rawClient(d.socket);
    c.sock.write(encodeRequest({ type: 'DTS_HELLO', version: DTS_EXTENSION_VERSION }));
    const handle = await load(c, 'plain');
    c.sock.write(encodeRequest({ type: 'DTS_FOLLOW', handle }));
    c.sock.write(encodeRequest({ type: 'DTS_FOLLOW', handle: handle + 7 }));
    await eventually('two answers', () => c.packets.filter((p) => p.type === 'NAK').length === 2);
    c.sock.destroy();
  });
});

const UP = process.env.DINIT_UPSTREAM_BINDIR ?? '';
const haveUpstream = UP !== '' && fs.existsSync(path.join(UP, 'dinit'));

(haveUpstream && isBuilt() ? describe : describe.skip)(
  'dinitctl logs -f against upstream dinit',
  () => {
    const sb = sandboxAll('dinit-follow-up-');

    it('polls CATLOG: new buffered output is printed once, in order', async () => {
      const N = 50;
      const go = sb.path('go');
      sb.service(
        'talk',
        'type = process',
        `command = ${GATED} ${N} ${go}`,
        'log-type = buffer',
        'log-buffer-size = 65536',
      );
      sb.service('boot', 'type = internal', 'depends-on = talk');
      const up = await sb.start([], { dinit: path.join(UP, 'dinit') });
      const socket = up.socket;
      const f = follow(socket, sb.path('follow.out'), '-n', '1', 'talk');
      try {
        await eventually('logs -f to follow', () => f.seen().includes('talk | ready'));
        fs.writeFileSync(go, '');
        await eventually('the end', () => f.seen().includes('talk | end\n'));
        const lines = messages(f.seen(), 'talk').filter((m) => m !== 'ready');
        expect(lines).toEqual([...numbered(N), 'end']);
      } finally {
        f.proc.kill();
        await up.stop();
      }
    });
  },
);
