#!/usr/bin/env node
// Service launch workloads, ours and (when DINIT_UPSTREAM_BINDIR names an upstream build)
// upstream's side by side: start 100 and 1,000 process services until all are up, stop 1,000
// (SIGTERM to the daemon's exit), restart after SIGKILL (kill to the new process), and the
// daemon's RSS and RssAnon (plus our spawner's): idle, 300 ms after the start of 1,000 returned,
// and 7 s later, once the daemon has settled. Runs alternate between the daemons. Prints
// figures and ratios.
// DINIT_SPAWNER=off measures our child_process launch path.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const upDir = process.env.DINIT_UPSTREAM_BINDIR;
const RUNS = Number(process.env.BENCH_RUNS || 7);
const impls = [{ name: 'dinit-ts', dinit: path.join(root, 'bin/dinit') }];
if (upDir) impls.push({ name: 'upstream', dinit: path.join(upDir, 'dinit') });
// One client for both, so that its start-up cost weighs alike (upstream's is the lighter).
const dinitctl = upDir ? path.join(upDir, 'dinitctl') : path.join(root, 'bin/dinitctl');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function memKiB(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN);
    return { rss: get('VmRSS'), anon: get('RssAnon') };
  } catch {
    return { rss: NaN, anon: NaN };
  }
}

/** A service directory: n sleepers, `all` depending on them, and `flip` that records its pid. */
function makeDir(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-svc-bench-'));
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  const deps = [];
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(sd, `s${i}`), 'type = process\ncommand = /bin/sleep 3600\n');
    deps.push(`depends-on = s${i}`);
  }
  fs.writeFileSync(path.join(sd, 'all'), `type = internal\n${deps.join('\n')}\n`);
  fs.writeFileSync(path.join(sd, 'idle'), 'type = internal\n');
  const pidFile = path.join(dir, 'flip.pid');
  fs.writeFileSync(
    path.join(dir, 'flip.sh'),
    `#!/bin/sh\necho $$ > ${pidFile}.tmp\nmv ${pidFile}.tmp ${pidFile}\nexec /bin/sleep 3600\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(sd, 'flip'),
    `type = process\ncommand = ${dir}/flip.sh\nrestart = yes\nrestart-delay = 0\nrestart-limit-count = 0\n`,
  );
  return { dir, sd, pidFile };
}

function ctl(sock, ...args) {
  const r = spawnSync(dinitctl, ['-p', sock, ...args], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`dinitctl ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

async function startDaemon(impl, d) {
  const sock = path.join(d.dir, 'sock');
  const child = spawn(impl.dinit, ['-u', '-q', '-d', d.sd, '-p', sock, 'idle'], {
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 500 && !fs.existsSync(sock); i++) await sleep(10);
  for (let i = 0; i < 100; i++) {
    if (spawnSync(dinitctl, ['-p', sock, 'is-started', 'idle']).status === 0) break;
    await sleep(20);
  }
  return { child, sock, exited };
}

/** SIGTERM to the daemon's exit (all services stopped), in ms. */
async function stop(daemon) {
  const t0 = process.hrtime.bigint();
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  return ms(t0);
}

/** How long after a start the settled memory is read: past our daemon's second collection. */
const SETTLE_MS = 7000;

async function startN(impl, n, settle = false) {
  const d = makeDir(n);
  const daemon = await startDaemon(impl, d);
  // Idle: once start-up's own collections are done.
  if (settle) await sleep(2000);
  const idleMem = memKiB(daemon.child.pid);
  const t0 = process.hrtime.bigint();
  ctl(daemon.sock, 'start', 'all');
  const start = ms(t0);
  await sleep(300);
  const mem = memKiB(daemon.child.pid);
  const spawner = impl.name === 'dinit-ts' ? spawnerOf(daemon.child.pid) : undefined;
  const spawnerMem = spawner ? memKiB(spawner) : undefined;
  if (settle) await sleep(SETTLE_MS - 300);
  const settledMem = settle ? memKiB(daemon.child.pid) : undefined;
  const stopMs = await stop(daemon);
  fs.rmSync(d.dir, { recursive: true, force: true });
  return { start, stop: stopMs, mem, idleMem, settledMem, spawnerMem };
}

/**
 * Our daemon's child that is the spawner, if it runs one. Found through the daemon's own
 * children lists, not by reading every /proc/<pid>/stat: that would leave a /proc entry in the
 * kernel's cache for each of the 1,000 services, which each reap must then drop, and so slow
 * down only our daemon's stop.
 */
function spawnerOf(pid) {
  let children = [];
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') children = children.concat(text.split(' ').map(Number));
    }
  } catch {
    return undefined;
  }
  for (const c of children) {
    try {
      if (fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'dinit-spawner') return c;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

async function restartAfterKill(impl, rounds) {
  const d = makeDir(0);
  const daemon = await startDaemon(impl, d);
  ctl(daemon.sock, 'start', 'flip');
  const read = () => {
    try {
      return Number(fs.readFileSync(d.pidFile, 'utf8'));
    } catch {
      return 0;
    }
  };
  const out = [];
  while (read() === 0) await sleep(5);
  for (let i = 0; i < rounds; i++) {
    const old = read();
    const t0 = process.hrtime.bigint();
    process.kill(old, 'SIGKILL');
    while (read() === old || read() === 0) await new Promise((r) => setImmediate(r));
    out.push(ms(t0));
    await sleep(50);
  }
  await stop(daemon);
  fs.rmSync(d.dir, { recursive: true, force: true });
  return median(out);
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The figures of one run of every workload for impl. */
async function measureOnce(impl) {
  const s100 = await startN(impl, 100);
  const big = await startN(impl, 1000);
  // Memory before and long after the start, in a run of its own (the timed one starts at once).
  const slow = await startN(impl, 1000, true);
  return {
    start100: s100.start,
    start1000: big.start,
    stop1000: big.stop,
    stop1000s: slow.stop,
    rss: big.mem.rss / 1024,
    anon: big.mem.anon / 1024,
    idleRss: slow.idleMem.rss / 1024,
    idleAnon: slow.idleMem.anon / 1024,
    settledRss: slow.settledMem.rss / 1024,
    settledAnon: slow.settledMem.anon / 1024,
    sp: big.spawnerMem ? big.spawnerMem.rss / 1024 : undefined,
    restart: await restartAfterKill(impl, 40),
  };
}

/**
 * Medians of RUNS runs per implementation. The runs alternate between the implementations
 * (each going first in every other round), so that a change in the machine's load during the
 * bench weighs on both alike.
 */
async function measureAll() {
  const runs = impls.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < impls.length; k++) {
      const i = (k + run) % impls.length;
      runs[i].push(await measureOnce(impls[i]));
    }
    process.stdout.write(`${run === 0 ? 'runs:' : ''} ${run + 1}`);
  }
  process.stdout.write('\n');
  return runs.map((rs) => {
    const out = {};
    for (const key of Object.keys(rs[0])) {
      const v = rs.map((r) => r[key]).filter((x) => x !== undefined);
      out[key] = v.length ? median(v) : NaN;
    }
    return out;
  });
}

const ROWS = [
  ['start100', 'start 100 services until all are up', 'ms'],
  ['start1000', 'start 1,000', 'ms'],
  ['stop1000', 'stop 1,000 (SIGTERM to daemon exit)', 'ms'],
  ['stop1000s', 'stop 1,000, 7 s on', 'ms'],
  ['restart', 'restart after SIGKILL, kill to new process', 'ms'],
  ['idleRss', 'daemon RSS, idle', 'MiB'],
  ['idleAnon', 'daemon RssAnon, idle', 'MiB'],
  ['rss', 'daemon RSS, 1,000 running', 'MiB'],
  ['anon', 'daemon RssAnon, 1,000 running', 'MiB'],
  ['settledRss', 'daemon RSS, 1,000 running, 7 s on', 'MiB'],
  ['settledAnon', 'daemon RssAnon, 1,000 running, 7 s on', 'MiB'],
  ['sp', 'spawner RSS, 1,000 running', 'MiB'],
];

(async () => {
  console.log(`services bench: medians of ${RUNS} run(s); client ${dinitctl}`);
  if (!upDir) console.log('(upstream skipped: set DINIT_UPSTREAM_BINDIR to an upstream build)');
  const res = await measureAll();
  const head = ['workload'.padEnd(46), ...impls.map((i) => i.name.padStart(10))];
  if (upDir) head.push('ratio'.padStart(7));
  console.log(head.join(' '));
  for (const [key, label, unit] of ROWS) {
    const cells = res.map((r) => (Number.isNaN(r[key]) ? '-' : r[key].toFixed(1)).padStart(10));
    const row = [`${label} (${unit})`.padEnd(46), ...cells];
    if (upDir && !Number.isNaN(res[1][key]) && res[1][key] > 0)
      row.push(`${(res[0][key] / res[1][key]).toFixed(2)}x`.padStart(7));
    console.log(row.join(' '));
  }
})().catch((e) => {
  console.error(`services bench failed: ${e.message}`);
  process.exit(1);
});
