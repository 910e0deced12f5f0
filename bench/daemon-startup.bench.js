#!/usr/bin/env node
// Daemon figures: time to start 100 process services (from spawning dinit until the service that
// depends on all of them is reported started), resident memory of the daemon while they run, and
// time to stop them all on SIGTERM. Set DINIT to measure another dinit binary (e.g. upstream's).
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const COUNT = Number(process.env.BENCH_SERVICES || 100);
const root = path.resolve(__dirname, '..');
const dinit = process.env.DINIT || path.join(root, 'bin/dinit');

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // Not Linux: fall back to pidusage below.
  }
  return undefined;
}

async function rssOf(pid) {
  const k = rssKiB(pid);
  if (k !== undefined) return k;
  try {
    const pidusage = require('pidusage');
    const st = await pidusage(pid);
    return Math.round(st.memory / 1024);
  } catch {
    return undefined;
  }
}

function makeServices(dir) {
  const deps = [];
  for (let i = 0; i < COUNT; i++) {
    const name = `svc-${i}`;
    // Each process exits by itself once dinit is gone, so a crashed run leaves nothing behind.
    // ($$ is dinit's escape for a literal $.)
    const cmd = '/bin/sh -c "while kill -0 $$PPID 2>/dev/null; do sleep 1; done"';
    fs.writeFileSync(path.join(dir, name), `type = process\ncommand = ${cmd}\nrestart = false\n`);
    deps.push(`depends-on = ${name}`);
  }
  fs.writeFileSync(path.join(dir, 'all'), `type = internal\n${deps.join('\n')}\n`);
}

function waitForLine(child, text, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (b) => {
      buf += b.toString();
      if (buf.includes(text)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', () => reject(new Error(`dinit exited before "${text}"`)));
  });
}

async function main() {
  if (!fs.existsSync(dinit)) {
    console.log(`daemon bench: ${dinit} not found (run npm run build first)`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-bench-'));
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  makeServices(sd);
  const t0 = process.hrtime.bigint();
  const child = spawn(dinit, ['-u', '-d', sd, '-p', path.join(dir, 'socket'), 'all'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', () => {});
  try {
    await waitForLine(child, '[  OK  ] all', 60000);
    const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // Let the launches settle before sampling memory.
    await new Promise((r) => setTimeout(r, 500));
    const rss = await rssOf(child.pid);
    const t1 = process.hrtime.bigint();
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    const stopMs = Number(process.hrtime.bigint() - t1) / 1e6;
    console.log(`daemon: ${dinit}`);
    console.log(
      `start ${COUNT} process services (spawn dinit -> all started): ${startMs.toFixed(0)} ms`,
    );
    console.log(
      `daemon RSS with ${COUNT} services running: ${rss === undefined ? 'n/a' : `${(rss / 1024).toFixed(1)} MiB`}`,
    );
    console.log(
      `stop ${COUNT} services on SIGTERM (signal -> daemon exit): ${stopMs.toFixed(0)} ms`,
    );
  } catch (err) {
    console.log(`daemon bench failed: ${err.message}`);
    child.kill('SIGKILL');
    process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
