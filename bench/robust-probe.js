#!/usr/bin/env node
// Probes of issue 11's findings 2 and 4, printed for dinit-ts and (with DINIT_UPSTREAM_BINDIR)
// upstream Dinit under the same conditions: dinitctl status latency with 1,000 idle control
// connections open, the daemon's memory after loading a 5 MB command line, and what loading a
// FIFO does. Figures only; nothing passes or fails. Usage: node bench/robust-probe.js

'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const OURS = path.resolve(__dirname, '../bin');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function status(pid) {
  const t = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(t)?.[1] ?? 0);
  return `VmRSS ${(kb('VmRSS') / 1024).toFixed(1)} MiB, RssAnon ${(kb('RssAnon') / 1024).toFixed(1)} MiB`;
}

async function startDaemon(bindir, dir) {
  const sock = path.join(dir, 'sock');
  const d = spawn(
    path.join(bindir, 'dinit'),
    ['-u', '-q', '-d', path.join(dir, 'sd'), '-p', sock, 'boot'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await sleep(50);
  await sleep(200);
  return { d, sock, ctl: (...a) => ctl(bindir, sock, a) };
}

function ctl(bindir, sock, args, timeout = 15000) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(path.join(bindir, 'dinitctl'), ['-p', sock, ...args], {
    encoding: 'utf8',
    timeout,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, out: (r.stdout + r.stderr).trim().split('\n')[0] };
}

async function idleConnections(sock, n) {
  const conns = [];
  for (let i = 0; i < n; i++) {
    const s = net.createConnection({ path: sock });
    s.on('error', () => undefined);
    conns.push(s);
    if (i % 100 === 99) await sleep(20);
  }
  await sleep(500);
  return conns;
}

async function probe(label, bindir) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-probe-'));
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  fs.writeFileSync(path.join(sd, 'boot'), 'type = internal\n');
  fs.writeFileSync(
    path.join(sd, 'big'),
    `type = process\ncommand = /bin/true ${'x '.repeat(2500000)}\n`,
  );
  execFileSync('mkfifo', [path.join(sd, 'fifo')]);
  const { d, sock, ctl: run } = await startDaemon(bindir, dir);
  const conns = await idleConnections(sock, 1000);
  const lat = [1, 2, 3, 4, 5].map(() => run('status', 'boot'));
  const ok = lat.filter((r) => r.status === 0).length;
  const worst = Math.max(...lat.map((r) => r.ms)).toFixed(0);
  console.log(
    `${label}: 1,000 idle connections: status answered ${ok}/5, worst ${worst} ms (${lat[0].out})`,
  );
  for (const c of conns) c.destroy();
  await sleep(300);
  console.log(`${label}: before loading big: ${status(d.pid)}`);
  const big = run('start', 'big');
  await sleep(1000);
  console.log(
    `${label}: 5 MB command line: "${big.out}" in ${big.ms.toFixed(0)} ms; after: ${status(d.pid)}`,
  );
  const fifo = ctl(bindir, sock, ['start', 'fifo'], 3000);
  console.log(
    `${label}: FIFO description: "${fifo.status === null ? 'no answer within 3 s' : fifo.out}"`,
  );
  d.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}

(async () => {
  await probe('dinit-ts', OURS);
  if (process.env.DINIT_UPSTREAM_BINDIR) await probe('upstream', process.env.DINIT_UPSTREAM_BINDIR);
})();
