#!/usr/bin/env node
// `npm run soak -- --minutes M`: a daemon under restart churn for M minutes. 100 services flap
// (exit after 0.2 s, restart after 0.1 s, no restart limit) beside 20 stable ones; every 15 s the
// daemon's RSS, RssAnon, open fds, zombie children and the latency of a status request are sampled.
// It ends with a verdict line. With DINIT_UPSTREAM_BINDIR it runs upstream's dinit beside ours, at
// the same time, so both meet the same machine load, and prints both (--sequential: one after the
// other). Figures only: it never fails a build (exit 0 unless it crashes).
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** A status request unanswered after this long is recorded as this long. */
const PROBE_TIMEOUT_MS = 10000;

function parseArgs(argv) {
  const opts = { minutes: 2, flapping: 100, stable: 20, interval: 15, sequential: false };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'sequential') {
      opts.sequential = true;
      continue;
    }
    if (!(key in opts)) throw new Error(`soak: unknown option ${argv[i]}`);
    opts[key] = Number(argv[++i]);
    if (!Number.isFinite(opts[key]) || opts[key] <= 0)
      throw new Error(`soak: --${key} needs a positive number`);
  }
  return opts;
}

/** Writes the service directory: flap-N, stable-N and a boot service that waits for all. */
function makeServices(dir, opts) {
  const lines = ['type = internal'];
  for (let i = 0; i < opts.flapping; i++) {
    fs.writeFileSync(
      path.join(dir, `flap-${i}`),
      'type = process\ncommand = /bin/sh -c "sleep 0.2; exit 1"\nrestart = yes\n' +
        'restart-delay = 0.1\nrestart-limit-count = 0\n',
    );
    lines.push(`waits-for = flap-${i}`);
  }
  for (let i = 0; i < opts.stable; i++) {
    // The stable ones end by themselves when the daemon is gone, so a crash leaves nothing.
    fs.writeFileSync(
      path.join(dir, `stable-${i}`),
      'type = process\ncommand = /bin/sh -c "while kill -0 $$PPID 2>/dev/null; do sleep 1; done"\n' +
        'restart = no\n',
    );
    lines.push(`waits-for = stable-${i}`);
  }
  fs.writeFileSync(path.join(dir, 'boot'), lines.join('\n') + '\n');
}

function procStatusKiB(pid, field) {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    fs.readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return m ? Number(m[1]) : NaN;
}

/** Zombie children of `pid` or of its own children, as pids. */
function zombiePids(pid) {
  const procs = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(e), state: fields[0], ppid: Number(fields[1]) });
    } catch {
      // The process went away while we looked.
    }
  }
  const parents = new Set([pid, ...procs.filter((p) => p.ppid === pid).map((p) => p.pid)]);
  return procs.filter((p) => p.state === 'Z' && parents.has(p.ppid)).map((p) => p.pid);
}

/**
 * Exited children left unreaped: zombies of `pid` or of its own children (the services' parent
 * may be a launcher between the daemon and them, as dinit-ts's spawner is) that are still there
 * 100 ms later. Under churn a process is always exiting somewhere; one caught in the instant
 * between its exit and its reaping is not left unreaped.
 */
async function zombiesOf(pid) {
  const first = zombiePids(pid);
  if (first.length === 0) return 0;
  await sleep(100);
  const again = new Set(zombiePids(pid));
  return first.filter((z) => again.has(z)).length;
}

/**
 * One status request as a client sees it: connect, find the service, ask its status, close.
 * The same client (ours, in-process) measures both daemons, so the figure is the daemon's.
 */
async function statusLatencyMs(socket) {
  const { ControlClient } = require(path.join(root, 'dist/src/client/control-client.js'));
  const t0 = process.hrtime.bigint();
  let client;
  const ask = (async () => {
    client = await ControlClient.connect(socket);
    const r = await client.findService('stable-0');
    if (r.kind === 'ok') await client.status(r.handle);
  })();
  let timer;
  const answered = await Promise.race([
    ask.then(() => true),
    new Promise((r) => (timer = setTimeout(() => r(false), PROBE_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  client?.close();
  // An unanswered request counts as the whole timeout.
  return answered ? Number(process.hrtime.bigint() - t0) / 1e6 : PROBE_TIMEOUT_MS;
}

/**
 * Wall time of the implementation's own `dinitctl status` (CLI start-up included). Asynchronous,
 * so that a run beside it is not held up while it waits.
 */
function cliLatencyMs(dinitctl, socket) {
  const t0 = process.hrtime.bigint();
  const child = spawn(dinitctl, ['-p', socket, 'status', 'stable-0'], {
    stdio: 'ignore',
    timeout: PROBE_TIMEOUT_MS,
  });
  return new Promise((resolve) => {
    const done = () => resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    child.once('exit', done);
    child.once('error', done);
  });
}

async function sample(pid, socket) {
  return {
    rssKiB: procStatusKiB(pid, 'VmRSS'),
    anonKiB: procStatusKiB(pid, 'RssAnon'),
    fds: fs.readdirSync(`/proc/${pid}/fd`).length,
    zombies: await zombiesOf(pid),
    socket,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForSocket(socket, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`daemon exited with status ${child.exitCode}`);
    if (fs.existsSync(socket)) return;
    await sleep(50);
  }
  throw new Error(`no control socket at ${socket} after 10 s`);
}

/** Runs one implementation under the load; returns its samples and worst latencies. */
async function soak(label, bindir, opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-soak-'));
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  makeServices(sd, opts);
  const socket = path.join(dir, 'socket');
  const child = spawn(path.join(bindir, 'dinit'), ['-u', '-q', '-d', sd, '-p', socket], {
    stdio: 'ignore',
  });
  const samples = [];
  try {
    await waitForSocket(socket, child);
    // Load the client now, so that the first latency sample is not its load time.
    require(path.join(root, 'dist/src/client/control-client.js'));
    const end = Date.now() + opts.minutes * 60000;
    const t0 = Date.now();
    console.log(`${label}: daemon pid ${child.pid}, ${opts.minutes} min`);
    console.log(
      `${'run'.padEnd(9)}   t(s)   RSS MiB  RssAnon MiB  fds  zombies  status ms  dinitctl ms`,
    );
    for (;;) {
      await sleep(Math.min(opts.interval * 1000, Math.max(0, end - Date.now())));
      if (child.exitCode !== null) throw new Error(`daemon exited with status ${child.exitCode}`);
      const s = await sample(child.pid, socket);
      s.t = (Date.now() - t0) / 1000;
      s.statusMs = Math.max(
        await statusLatencyMs(socket),
        await statusLatencyMs(socket),
        await statusLatencyMs(socket),
      );
      s.cliMs = await cliLatencyMs(path.join(bindir, 'dinitctl'), socket);
      samples.push(s);
      console.log(
        `${label.padEnd(9)}${s.t.toFixed(0).padStart(7)} ${(s.rssKiB / 1024).toFixed(1).padStart(9)}` +
          ` ${(s.anonKiB / 1024).toFixed(1).padStart(12)} ${String(s.fds).padStart(4)}` +
          ` ${String(s.zombies).padStart(8)} ${s.statusMs.toFixed(1).padStart(10)}` +
          ` ${s.cliMs.toFixed(1).padStart(12)}`,
      );
      if (Date.now() >= end) break;
    }
    const t1 = process.hrtime.bigint();
    child.kill('SIGTERM');
    let timer;
    const exited = await Promise.race([
      new Promise((r) => child.once('exit', () => r(true))),
      new Promise((r) => (timer = setTimeout(() => r(false), 60000))),
    ]);
    clearTimeout(timer);
    const stopMs = Number(process.hrtime.bigint() - t1) / 1e6;
    return verdict(label, samples, exited ? stopMs : undefined);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The verdict of one run: memory and fds flat against the sample after the first minute. */
function verdict(label, samples, stopMs) {
  const base = samples.find((s) => s.t >= 60) ?? samples[0];
  const last = samples[samples.length - 1];
  const worst = Math.max(...samples.map((s) => s.statusMs));
  const worstCli = Math.max(...samples.map((s) => s.cliMs));
  const zombies = Math.max(...samples.map((s) => s.zombies));
  const rssOk = last.rssKiB <= 1.1 * base.rssKiB;
  // Launches in flight hold pipes for a moment, so a sample can catch many more fds than are
  // kept: a leak is the fewest in the last quarter of the samples (three at least) above the
  // fewest of the second minute.
  const fewest = (list) => Math.min(...list.map((s) => s.fds));
  const secondMinute = samples.filter((s) => s.t >= 60 && s.t <= 120);
  const baseFds = fewest(secondMinute.length > 0 ? secondMinute : [base]);
  const endFds = fewest(samples.slice(-Math.max(3, Math.ceil(samples.length / 4))));
  const fdsOk = endFds <= baseFds + 2;
  const ok = rssOk && fdsOk && zombies === 0 && stopMs !== undefined;
  console.log(
    `${label} verdict: ${ok ? 'PASS' : 'FAIL'}: RSS ${(last.rssKiB / 1024).toFixed(1)} MiB at the end` +
      ` vs ${(base.rssKiB / 1024).toFixed(1)} after the first minute (${rssOk ? '<=' : '>'} 1.1x);` +
      ` fds ${baseFds} -> ${endFds} (fewest of the second minute, of the last quarter);` +
      ` zombies max ${zombies};` +
      ` worst status ${worst.toFixed(1)} ms (dinitctl ${worstCli.toFixed(1)} ms);` +
      ` SIGTERM to exit ${stopMs === undefined ? 'over 60 s' : `${stopMs.toFixed(0)} ms`}`,
  );
  return { worst, ok };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(root, 'dist/src/client/control-client.js'))) {
    console.log('soak: dist/ is missing; run npm run build first');
    return;
  }
  const up = process.env.DINIT_UPSTREAM_BINDIR;
  if (!up) {
    await soak('dinit-ts', path.join(root, 'bin'), opts);
    console.log('soak: upstream skipped (set DINIT_UPSTREAM_BINDIR to an upstream build)');
    return;
  }
  let ours, theirs;
  if (opts.sequential) {
    ours = await soak('dinit-ts', path.join(root, 'bin'), opts);
    theirs = await soak('upstream', up, opts);
  } else {
    [ours, theirs] = await Promise.all([
      soak('dinit-ts', path.join(root, 'bin'), opts),
      soak('upstream', up, opts),
    ]);
  }
  const ratio = ours.worst / theirs.worst;
  console.log(
    `soak: worst status latency dinit-ts ${ours.worst.toFixed(1)} ms, upstream` +
      ` ${theirs.worst.toFixed(1)} ms (${ratio.toFixed(2)}x): ` +
      `${ratio <= 2 && ours.ok ? 'PASS' : 'FAIL'} (dinit-ts verdict ${ours.ok ? 'PASS' : 'FAIL'},` +
      ` worst latency within 2x of upstream's ${ratio <= 2 ? 'yes' : 'no'})`,
  );
}

main().catch((e) => {
  console.error(`soak: ${e.message}`);
  process.exit(1);
});
