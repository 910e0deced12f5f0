#!/usr/bin/env node
// dinitctl start-up benchmark: median wall time of 20 runs (DINIT_BENCH_RUNS) of
// `bin/dinitctl status x` and `bin/dinitctl list` against a running daemon, next to `node -e 0`,
// `bin/dinitctl --help` and a bare client (node connecting and making one request, the floor of
// any client in Node), with the first quartile, the median of each run's ratio to the node -e 0
// run beside it, and the load average, for a shared machine.
// Prints figures; never fails.
// Uses DINIT_BENCH_SOCKET when set; otherwise starts bin/dinit (or upstream's dinit, if
// DINIT_BENCH_DAEMON names it) on a temporary directory.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.DINIT_BENCH_RUNS) || 20;

/** The p-quantile of xs (0.5: the median), interpolated. */
function quantile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/** A bare client: connect, send QUERYVERSION, exit at the reply (what any Node client pays). */
const BARE_CLIENT =
  "const s=require('node:net').connect(process.argv[1]);" +
  "s.on('connect',()=>s.write(Buffer.of(0)));s.on('data',()=>process.exit(0))";

/** The times of each [cmd, args] case; runs are interleaved so load spikes hit all cases. */
function timeRuns(cases) {
  const times = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    cases.forEach(([cmd, args, env], k) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i === 0 && r.status !== 0) {
        process.stdout.write(
          `  (note: ${args.join(' ')} exited ${r.status}: ${String(r.stderr).trim()})\n`,
        );
      }
    });
  }
  return times;
}

async function main() {
  let socket = process.env.DINIT_BENCH_SOCKET;
  let daemon;
  let tmp;
  if (socket === undefined) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-bench-'));
    fs.mkdirSync(path.join(tmp, 'sd'));
    fs.writeFileSync(path.join(tmp, 'sd', 'x'), 'type = internal\n');
    fs.writeFileSync(path.join(tmp, 'sd', 'boot'), 'type = internal\nwaits-for = x\n');
    socket = path.join(tmp, 'sock');
    const bin = process.env.DINIT_BENCH_DAEMON ?? path.join(ROOT, 'bin', 'dinit');
    daemon = spawn(bin, ['-u', '-d', path.join(tmp, 'sd'), '-p', socket, '-q'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !fs.existsSync(socket); i++)
      await new Promise((r) => setTimeout(r, 50));
    if (!fs.existsSync(socket)) {
      process.stdout.write(`could not start a daemon (${bin}); set DINIT_BENCH_SOCKET\n`);
      daemon.kill('SIGKILL');
      return;
    }
  }
  const dinitctl = path.join(ROOT, 'bin', 'dinitctl');
  // Without NODE_EXTRA_CA_CERTS, too, when it is set: Node before 22 reads it at every start,
  // and our executables start Node without it (bin/dinitctl), so node -e 0 as it is measures
  // Node's start-up plus the certificates, and this one Node's start-up alone.
  const withCa = process.env.NODE_EXTRA_CA_CERTS !== undefined;
  const noCaEnv = { ...process.env };
  delete noCaEnv.NODE_EXTRA_CA_CERTS;
  const cases = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ...(withCa ? [['node -e 0, no extra CA certs', process.execPath, ['-e', '0'], noCaEnv]] : []),
    ['dinitctl status x', dinitctl, ['-p', socket, 'status', 'x']],
    ['dinitctl list', dinitctl, ['-p', socket, 'list']],
    ['dinitctl --help', dinitctl, ['--help']],
    ['bare client (one request)', process.execPath, ['-e', BARE_CLIENT, socket]],
    ...(withCa
      ? [['bare client, no extra CA certs', process.execPath, ['-e', BARE_CLIENT, socket], noCaEnv]]
      : []),
  ];
  const load = () => os.loadavg()[0].toFixed(2);
  const loadBefore = load();
  const times = timeRuns(cases.map(([, cmd, args, env]) => [cmd, args, env]));
  const node = quantile(times[0], 0.5);
  const node25 = quantile(times[0], 0.25);
  let text =
    `dinitctl start-up (Node ${process.version}), median and first quartile of ${RUNS} runs ` +
    `(load average ${loadBefore} before, ${load()} after):\n`;
  cases.forEach(([label], k) => {
    const t = quantile(times[k], 0.5);
    const q = quantile(times[k], 0.25);
    const over = k === 0 ? '' : `  (+${(t - node).toFixed(1)} ms, ${(t / node).toFixed(2)}x node)`;
    const over25 = k === 0 ? '' : ` ${(q / node25).toFixed(2)}x`;
    // Each run against the node -e 0 run next to it: a slow spell weighs on both alike.
    const paired = quantile(
      times[k].map((x, i) => x / times[0][i]),
      0.5,
    );
    const pairedText = k === 0 ? '' : `  paired ${paired.toFixed(2)}x`;
    text += `  ${label.padEnd(32)}${t.toFixed(1).padStart(6)} ms${over.padEnd(28)}`;
    text += `  q1 ${q.toFixed(1).padStart(6)} ms${over25.padEnd(6)}${pairedText}\n`;
  });
  text += '  (paired: the median of each run over the node -e 0 run made just before it)\n';
  if (withCa) {
    // The same ratios against Node's start-up without the certificates: what our executables
    // add to Node's own start, whatever the environment.
    const base = times[1];
    text += '  against node -e 0 without NODE_EXTRA_CA_CERTS (our own cost over Node):\n';
    cases.forEach(([label], k) => {
      if (k < 2) return;
      const ratio = quantile(times[k], 0.5) / quantile(base, 0.5);
      const paired = quantile(
        times[k].map((x, i) => x / base[i]),
        0.5,
      );
      text += `  ${label.padEnd(32)}${ratio.toFixed(2).padStart(6)}x  paired ${paired.toFixed(2)}x\n`;
    });
    if (Number(process.versions.node.split('.')[0]) < 22) {
      text +=
        '  (NODE_EXTRA_CA_CERTS is set: this Node reads it at start-up, node -e 0 included; ' +
        'bin/dinitctl starts Node without it)\n';
    }
  }
  process.stdout.write(text);
  if (daemon !== undefined) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
  if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
}

void main();
