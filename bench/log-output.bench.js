#!/usr/bin/env node
// Throughput of service output by log type: a writer that prints numbered lines as fast as it
// can (seq through a pipe), its output going to a log file it writes itself (upstream's
// log-type = file), to a rotated log file the daemon writes (logfile-max-size), or to a log
// buffer. Prints MB/s until the writer's exit is reported. Needs `npm run build`.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const adapterJs = path.join(root, 'dist', 'adapters', 'index.js');
if (!fs.existsSync(adapterJs)) {
  console.log('log-output bench: dist/ not built (run npm run build); skipped');
  process.exit(0);
}
const { createOs } = require(adapterJs);
const osPort = createOs({ log: () => {} });
const LINES = Number(process.env.LOG_BENCH_LINES || 1000000);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-log-bench-'));
const bytes = (() => {
  let n = 0;
  for (let i = 1; i <= LINES; i++) n += `line ${i}\n`.length;
  return n;
})();

const base = {
  serviceName: 'bench',
  argv: ['/bin/sh', '-c', `seq -f 'line %.0f' 1 ${LINES} | cat`],
  env: { PATH: '/usr/bin:/bin' },
  stdin: { kind: 'null' },
  newSession: true,
  onConsole: false,
  unmaskIntr: false,
};
const file = (name) => ({ path: path.join(tmp, name), permissions: 0o600 });
let buffered = 0;
const cases = [
  ['log-type = file (the service writes)', { kind: 'file', ...file('direct.log') }],
  [
    'log-type = file, logfile-max-size = 1M, 5 files (the daemon writes)',
    { kind: 'rotate', ...file('rotated.log'), maxSize: 1 << 20, maxFiles: 5 },
  ],
  [
    'log-type = buffer (read, then discarded)',
    { kind: 'buffer', sink: (c) => (buffered += c.length) },
  ],
];

function once(output) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    osPort.launch(
      { ...base, output },
      {
        onExit: () => resolve(Number(process.hrtime.bigint() - t0) / 1e9),
        onExecFailed: (stage, errno, msg) => reject(new Error(`${stage}: ${msg}`)),
      },
    );
  });
}

// The exit watch does not keep Node's loop alive by itself; the daemon has its socket for that.
const keepAlive = setInterval(() => {}, 1000);

(async () => {
  console.log(`${LINES} lines, ${(bytes / 1e6).toFixed(1)} MB per run`);
  for (const [name, output] of cases) {
    const secs = [];
    for (let i = 0; i < 3; i++) secs.push(await once(output));
    secs.sort((a, b) => a - b);
    console.log(
      `${name}: ${(bytes / 1e6 / secs[1]).toFixed(1)} MB/s (median of 3, ${secs[1].toFixed(2)} s)`,
    );
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  clearInterval(keepAlive);
  process.exit(0);
})().catch((e) => {
  console.log(`log-output bench: ${e.message}`);
  process.exit(1);
});
