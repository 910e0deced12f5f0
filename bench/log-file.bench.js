#!/usr/bin/env node
// log-type = file through each daemon, ours and (when DINIT_UPSTREAM_BINDIR names an upstream
// build) upstream's side by side: a process service writes LOG_FILE_BENCH_MB megabytes (200 by
// default) of lines into its log file; the time runs from `dinitctl start` to the last byte in
// the file, after a sync. Runs alternate between the daemons, each going first in every other
// round, after one round that is not counted; prints the medians and the ratio. It also prints the
// time the writing took as the service itself measured it (with GNU date), which tells a daemon
// that slows its service down from noise in the launch and the polling.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const upDir = process.env.DINIT_UPSTREAM_BINDIR;
const RUNS = Number(process.env.BENCH_RUNS || 15);
const BYTES = Number(process.env.LOG_FILE_BENCH_MB || 200) * 1e6;
const impls = [{ name: 'dinit-ts', dinit: path.join(root, 'bin/dinit') }];
if (upDir) impls.push({ name: 'upstream', dinit: path.join(upDir, 'dinit') });
// One client for both, so that its start-up cost weighs alike.
const dinitctl = upDir ? path.join(upDir, 'dinitctl') : path.join(root, 'bin/dinitctl');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ctl(sock, ...args) {
  const r = spawnSync(dinitctl, ['-p', sock, ...args], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`dinitctl ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

function sizeOf(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

async function startDaemon(impl, dir, log) {
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  const own = path.join(dir, 'own-ns');
  const script = path.join(dir, 'writer.sh');
  fs.writeFileSync(
    script,
    '#!/bin/sh\na=$(date +%s%N)\n' +
      `yes 'a line of service output, 48 bytes long, or so.' | head -c ${BYTES}\n` +
      `b=$(date +%s%N)\necho $((b - a)) > ${own}.tmp && mv ${own}.tmp ${own}\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(sd, 'writer'),
    `type = process\nrestart = no\nlog-type = file\nlogfile = ${log}\ncommand = ${script}\n`,
  );
  fs.writeFileSync(path.join(sd, 'idle'), 'type = internal\n');
  const sock = path.join(dir, 'sock');
  const child = spawn(impl.dinit, ['-u', '-q', '-d', sd, '-p', sock, 'idle'], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !fs.existsSync(sock); i++) await sleep(10);
  for (let i = 0; i < 100; i++) {
    if (spawnSync(dinitctl, ['-p', sock, 'is-started', 'idle']).status === 0) break;
    await sleep(20);
  }
  return { child, sock, log, own };
}

/**
 * One run: seconds from `dinitctl start` until the file holds every byte, and the seconds the
 * service took to write them by its own clock (NaN where date has no %N).
 */
async function once(d) {
  fs.rmSync(d.log, { force: true });
  fs.rmSync(d.own, { force: true });
  // The previous run's writeback is not this run's cost: it ends before the clock starts.
  spawnSync('sync');
  const t0 = process.hrtime.bigint();
  ctl(d.sock, 'start', 'writer');
  // Polled every millisecond (0.25% of a run): a busy loop would take one of the CPUs the
  // writer and its pipe partner need.
  while (sizeOf(d.log) < BYTES) await sleep(1);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  // Wait for the writer to be reported stopped, so the next start is a fresh one.
  for (let i = 0; i < 500; i++) {
    if (spawnSync(dinitctl, ['-p', d.sock, 'is-started', 'writer']).status !== 0) break;
    await sleep(10);
  }
  let own = NaN;
  try {
    own = Number(fs.readFileSync(d.own, 'utf8')) / 1e9;
  } catch {
    // No GNU date: the service could not time itself.
  }
  return { secs, own };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const dirs = [];
  const daemons = [];
  try {
    // Both services write the same file (each run removes it first): ext4 places a new file
    // near its directory, and two directories gave the two daemons steadily different disk
    // areas, a 5-10% difference in either direction from one bench run to the next.
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-logfile-bench-'));
    dirs.push(shared);
    const log = path.join(shared, 'writer.log');
    for (const impl of impls) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-logfile-bench-'));
      dirs.push(dir);
      daemons.push(await startDaemon(impl, dir, log));
    }
    // One round that is not counted: each daemon's first start of the writer also loads its
    // description, and the first 200 MB file of a run finds the page cache in another state.
    for (const d of daemons) await once(d);
    const secs = daemons.map(() => []);
    const own = daemons.map(() => []);
    for (let r = 0; r < RUNS; r++) {
      // Each daemon goes first in every other round, so that neither always follows the other.
      for (let k = 0; k < daemons.length; k++) {
        const i = (k + r) % daemons.length;
        const run = await once(daemons[i]);
        secs[i].push(run.secs);
        if (!Number.isNaN(run.own)) own[i].push(run.own);
      }
    }
    console.log(
      `log-type = file, ${(BYTES / 1e6).toFixed(0)} MB written by the service, median of ${RUNS}:`,
    );
    const rates = secs.map((s) => BYTES / 1e6 / median(s));
    impls.forEach((impl, i) => {
      console.log(
        `  ${impl.name.padEnd(9)} ${rates[i].toFixed(0).padStart(6)} MB/s (${median(secs[i]).toFixed(3)} s;` +
          ` runs ${secs[i].map((x) => x.toFixed(3)).join(' ')})`,
      );
    });
    if (rates.length === 2)
      console.log(`  ratio dinit-ts / upstream: ${(rates[0] / rates[1]).toFixed(2)}x`);
    else console.log('  upstream skipped (set DINIT_UPSTREAM_BINDIR to an upstream build)');
    if (own.every((o) => o.length === RUNS)) {
      const ownRates = own.map((o) => BYTES / 1e6 / median(o));
      console.log(
        "  by the service's own clock: " +
          impls
            .map(
              (impl, i) =>
                `${impl.name} ${ownRates[i].toFixed(0)} MB/s (${median(own[i]).toFixed(3)} s)`,
            )
            .join(', ') +
          (ownRates.length === 2 ? `; ratio ${(ownRates[0] / ownRates[1]).toFixed(2)}x` : ''),
      );
    }
  } finally {
    for (const d of daemons) d.child.kill('SIGKILL');
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.log(`log-file bench: ${e.message}`);
  process.exit(1);
});
