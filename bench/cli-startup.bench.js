#!/usr/bin/env node
// dinitctl start-up benchmark: median wall time of 20 runs of `bin/dinitctl status x` and
// `bin/dinitctl list` against a running daemon, next to `node -e 0` and `bin/dinitctl --help`.
// Prints figures; never fails.
// Uses DINIT_BENCH_SOCKET when set; otherwise starts bin/dinit (or upstream's dinit, if
// DINIT_BENCH_DAEMON names it) on a temporary directory.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const RUNS = 20;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median times of each [cmd, args] case; runs are interleaved so load spikes hit all cases. */
function timeRuns(cases) {
  const times = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    cases.forEach(([cmd, args], k) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i === 0 && r.status !== 0) {
        process.stdout.write(
          `  (note: ${args.join(' ')} exited ${r.status}: ${String(r.stderr).trim()})\n`,
        );
      }
    });
  }
  return times.map(median);
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
  const cases = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ['dinitctl status x', dinitctl, ['-p', socket, 'status', 'x']],
    ['dinitctl list', dinitctl, ['-p', socket, 'list']],
    ['dinitctl --help', dinitctl, ['--help']],
  ];
  const times = timeRuns(cases.map(([, cmd, args]) => [cmd, args]));
  const node = times[0];
  let text = `dinitctl start-up (Node ${process.version}), median of ${RUNS} runs:\n`;
  cases.forEach(([label], k) => {
    const t = times[k];
    const over = k === 0 ? '' : `  (+${(t - node).toFixed(1)} ms, ${(t / node).toFixed(2)}x node)`;
    text += `  ${label.padEnd(26)}${t.toFixed(1).padStart(6)} ms${over}\n`;
  });
  if (
    process.env.NODE_EXTRA_CA_CERTS !== undefined &&
    Number(process.versions.node.split('.')[0]) < 22
  ) {
    // Node before 22 reads and parses those certificates at every start, node -e 0 included.
    text +=
      '  (NODE_EXTRA_CA_CERTS is set: this Node reads it at start-up, in every figure above)\n';
  }
  process.stdout.write(text);
  if (daemon !== undefined) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
  if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
}

void main();
