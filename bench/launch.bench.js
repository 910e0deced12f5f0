#!/usr/bin/env node
// Launch cost of the OS adapter: how long launch() blocks the event loop and how long until
// the exit of a trivial command is reported, launching directly (child_process.spawn) versus
// through the exec helper (needed for run-as, rlimits, nice, cgroups, log files...).
// Prints figures only; needs `npm run build` (dist/ and the helper).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const adapterJs = path.join(root, 'dist', 'adapters', 'index.js');
if (!fs.existsSync(adapterJs)) {
  console.log('launch bench: dist/ not built (run npm run build); skipped');
  process.exit(0);
}
const { createOs } = require(adapterJs);
const osPort = createOs({ log: () => {} });
const N = Number(process.env.LAUNCH_BENCH_N || 200);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-launch-bench-'));

const base = {
  serviceName: 'bench',
  argv: ['/bin/true'],
  env: { PATH: '/usr/bin:/bin' },
  stdin: { kind: 'null' },
  output: { kind: 'null' },
  newSession: true,
  onConsole: false,
  unmaskIntr: false,
};

const cases = [['direct (no helper)', {}]];
if (osPort.caps.execHelper) {
  cases.push(['helper (nice only)', { nice: 0 }]);
  const full = {
    nice: 0,
    oomScoreAdj: 0,
    rlimits: { nofile: { soft: 1024 } },
    output: { kind: 'file', path: path.join(tmp, 'bench.log'), permissions: 0o600 },
  };
  if (process.getuid && process.getuid() === 0)
    Object.assign(full, { uid: 65534, gid: 65534, initgroupsUser: 'nobody' });
  cases.push([`helper (${Object.keys(full).join(', ')})`, full]);
} else {
  console.log('launch bench: exec helper not built; only the direct path is measured');
}

function once(spec) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let t1;
    osPort.launch(spec, {
      onExit: () => resolve([Number(t1 - t0) / 1e6, Number(process.hrtime.bigint() - t0) / 1e6]),
      onExecFailed: (stage, errno, msg) => reject(new Error(`${stage}: ${msg}`)),
    });
    t1 = process.hrtime.bigint();
  });
}

function stats(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms`;
}

// The adapter's own handles do not keep Node alive (a daemon keeps itself alive), so hold the
// event loop open until the figures are printed.
const keepAlive = setInterval(() => {}, 60000);

(async () => {
  console.log(`launch bench: ${N} sequential launches of /bin/true per case, cases interleaved`);
  const specs = cases.map(([, extra]) => ({ ...base, ...extra }));
  for (const spec of specs) for (let i = 0; i < 10; i++) await once(spec); // warm-up
  const block = specs.map(() => []);
  const total = specs.map(() => []);
  // Round-robin so that load from elsewhere on the machine weighs on every case alike.
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < specs.length; c++) {
      const [b, t] = await once(specs[c]);
      block[c].push(b);
      total[c].push(t);
    }
  }
  cases.forEach(([name], c) => {
    console.log(`  ${name}`);
    console.log(`    launch() blocks the loop: ${stats(block[c])}`);
    console.log(`    launch to exit reported:  ${stats(total[c])}`);
  });
  osPort.dispose?.();
  fs.rmSync(tmp, { recursive: true, force: true });
  clearInterval(keepAlive);
})().catch((e) => {
  console.error(`launch bench failed: ${e.message}`);
  process.exit(1);
});
