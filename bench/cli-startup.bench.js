#!/usr/bin/env node
// dinitctl start-up benchmark: median wall time of 20 runs of `bin/dinitctl status x` against a
// running daemon, next to `node -e 0` and `bin/dinitctl --help`. Prints figures; never fails.
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
  const [node, status, help] = timeRuns([
    [process.execPath, ['-e', '0']],
    [dinitctl, ['-p', socket, 'status', 'x']],
    [dinitctl, ['--help']],
  ]);
  process.stdout.write(
    `dinitctl start-up, median of ${RUNS} runs:\n` +
      `  node -e 0                 ${node.toFixed(1)} ms\n` +
      `  dinitctl status x         ${status.toFixed(1)} ms  (+${(status - node).toFixed(1)} ms over node)\n` +
      `  dinitctl --help           ${help.toFixed(1)} ms  (+${(help - node).toFixed(1)} ms over node)\n`,
  );
  if (daemon !== undefined) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
  if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
}

void main();
