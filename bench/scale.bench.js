#!/usr/bin/env node
// The service-count curve, ours and (when DINIT_UPSTREAM_BINDIR names an upstream build)
// upstream's in the same run: load, start, list and stop N process services at each size of
// BENCH_SIZES (default 100,1000; `npm run bench:scale` adds 10,000), with the daemon's CPU time
// for each step (less distorted by a loaded machine than wall time) and its memory idle, with N
// loaded and with N running. Prints figures, per-service costs and ratios; never fails.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const upDir = process.env.DINIT_UPSTREAM_BINDIR;
const SIZES = (process.env.BENCH_SIZES || '100,1000').split(',').map(Number);
const impls = [{ name: 'dinit-ts', dinit: path.join(root, 'bin/dinit') }];
if (upDir) impls.push({ name: 'upstream', dinit: path.join(upDir, 'dinit') });
// One client for both daemons, so that its start-up weighs alike.
const dinitctl = upDir ? path.join(upDir, 'dinitctl') : path.join(root, 'bin/dinitctl');
const TICK_MS = 1000 / 100; // USER_HZ, as /proc reports CPU times

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True when p settles within ms, false otherwise; the timer never outlives the wait. */
function within(p, ms) {
  let timer;
  const late = new Promise((r) => (timer = setTimeout(() => r(false), ms)));
  return Promise.race([p.then(() => true), late]).finally(() => clearTimeout(timer));
}
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function procStat(pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return st.slice(st.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU time (ms) of pid's threads and of its children that are dinit-ts's spawner, from the
 * scheduler's nanosecond counts (/proc/PID/task/TID/schedstat), falling back to /proc/PID/stat.
 */
function cpuMs(pid) {
  let total = 0;
  for (const p of [pid, ...helpersOf(pid)]) {
    try {
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        total +=
          Number(fs.readFileSync(`/proc/${p}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      }
    } catch {
      try {
        const f = procStat(p);
        total += (Number(f[11]) + Number(f[12])) * TICK_MS;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return total;
}

/** Children of pid that are our native spawner (its launches are part of the daemon's work). */
function helpersOf(pid) {
  const out = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (!stat.includes('(dinit-spawner)')) continue;
      if (Number(procStat(e)[1]) === pid) out.push(Number(e));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function memMiB(pid) {
  const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN) / 1024;
  return { rss: get('VmRSS'), anon: get('RssAnon') };
}

/** n sleepers and `all` that depends on them; `idle` is the boot service. */
function makeDir(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-scale-bench-'));
  const sd = path.join(dir, 'sd');
  fs.mkdirSync(sd);
  const deps = [];
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(sd, `s${i}`), 'type = process\ncommand = /bin/sleep 3600\n');
    deps.push(`depends-on = s${i}`);
  }
  fs.writeFileSync(path.join(sd, 'all'), `type = internal\n${deps.join('\n')}\n`);
  fs.writeFileSync(path.join(sd, 'idle'), 'type = internal\n');
  return { dir, sd };
}

function ctl(sock, ...args) {
  const r = spawnSync(dinitctl, ['-p', sock, ...args], {
    encoding: 'utf8',
    timeout: 300000,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`dinitctl ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Wall and daemon CPU time of fn(). */
function timed(pid, fn) {
  const c0 = cpuMs(pid);
  const t0 = process.hrtime.bigint();
  let failed = false;
  try {
    fn();
  } catch (e) {
    // Say so and go on: the other steps still tell something (a start can time out at scale).
    console.log(`\n  (${e.message.split('\n')[0]})`);
    failed = true;
  }
  return { wall: ms(t0), cpu: cpuMs(pid) - c0, failed };
}

async function runSize(impl, n) {
  const d = makeDir(n);
  const sock = path.join(d.dir, 'sock');
  const child = spawn(impl.dinit, ['-u', '-q', '-d', d.sd, '-p', sock, 'idle'], {
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  const pid = child.pid;
  try {
    for (let i = 0; i < 500 && !fs.existsSync(sock); i++) await sleep(10);
    for (let i = 0; i < 100; i++) {
      if (spawnSync(dinitctl, ['-p', sock, 'is-started', 'idle']).status === 0) break;
      await sleep(20);
    }
    await sleep(500);
    const r = { idle: memMiB(pid) };
    // unpin loads a service (and its dependencies) without starting it, in both clients.
    r.load = timed(pid, () => ctl(sock, 'unpin', 'all'));
    await sleep(500);
    r.loaded = memMiB(pid);
    r.start = timed(pid, () => ctl(sock, 'start', 'all'));
    await sleep(1000);
    r.running = memMiB(pid);
    r.list = timed(pid, () => ctl(sock, 'list'));
    // SIGTERM to the daemon's exit: every service stopped and reaped.
    const c0 = cpuMs(pid);
    let cpu = c0;
    const poll = setInterval(() => {
      const c = cpuMs(pid);
      if (c > cpu) cpu = c;
    }, 5);
    const t0 = process.hrtime.bigint();
    child.kill('SIGTERM');
    const gone = await within(exited, 300000);
    clearInterval(poll);
    r.stop = { wall: ms(t0), cpu: cpu - c0, failed: !gone };
    if (!gone) {
      console.log(`\n  (the daemon did not exit within 300 s of SIGTERM; killed)`);
      child.kill('SIGKILL');
    }
    return r;
  } catch (e) {
    // Stop what was started (SIGKILL would orphan the services), then give up on this size.
    child.kill('SIGTERM');
    const gone = await within(exited, 60000);
    if (!gone) child.kill('SIGKILL');
    throw e;
  } finally {
    fs.rmSync(d.dir, { recursive: true, force: true });
  }
}

const STEPS = ['load', 'start', 'list', 'stop'];

function row(cells, widths) {
  return cells.map((c, i) => String(c)[i === 0 ? 'padEnd' : 'padStart'](widths[i])).join(' ');
}

(async () => {
  console.log(
    `scale bench: sizes ${SIZES.join(', ')}; client ${dinitctl}; load ${os.loadavg()[0].toFixed(1)}`,
  );
  if (!upDir) console.log('(upstream skipped: set DINIT_UPSTREAM_BINDIR to an upstream build)');
  const res = {};
  for (const n of SIZES) {
    for (const impl of impls) {
      process.stdout.write(`  ${impl.name} at ${n}...`);
      const t0 = process.hrtime.bigint();
      res[`${impl.name}:${n}`] = await runSize(impl, n);
      process.stdout.write(` ${(ms(t0) / 1000).toFixed(1)} s\n`);
    }
  }
  for (const impl of impls) {
    console.log(`\n${impl.name}: wall ms / daemon CPU ms (CPU per service in µs)`);
    console.log(row(['step', ...SIZES.map((n) => `N=${n}`)], [30, ...SIZES.map(() => 26)]));
    for (const step of STEPS) {
      const cells = SIZES.map((n) => {
        const s = res[`${impl.name}:${n}`][step];
        const mark = s.failed ? ' failed' : '';
        return `${s.wall.toFixed(0)} / ${s.cpu.toFixed(0)} (${((s.cpu * 1000) / n).toFixed(0)})${mark}`;
      });
      console.log(row([step, ...cells], [30, ...SIZES.map(() => 26)]));
    }
    for (const m of ['idle', 'loaded', 'running']) {
      const cells = SIZES.map((n) => {
        const x = res[`${impl.name}:${n}`][m];
        return `${x.rss.toFixed(1)} / ${x.anon.toFixed(1)}`;
      });
      console.log(row([`RSS / RssAnon MiB, ${m}`, ...cells], [30, ...SIZES.map(() => 26)]));
    }
  }
  if (upDir) {
    console.log('\nratios dinit-ts / upstream (wall, CPU)');
    console.log(row(['step', ...SIZES.map((n) => `N=${n}`)], [30, ...SIZES.map(() => 16)]));
    for (const step of STEPS) {
      const cells = SIZES.map((n) => {
        const a = res[`dinit-ts:${n}`][step];
        const b = res[`upstream:${n}`][step];
        const cpu = b.cpu > 0 ? `${(a.cpu / b.cpu).toFixed(1)}x` : '-';
        return `${(a.wall / b.wall).toFixed(2)}x ${cpu}`;
      });
      console.log(row([step, ...cells], [30, ...SIZES.map(() => 16)]));
    }
  }
})().catch((e) => {
  console.error(`scale bench failed: ${e.message}`);
  process.exit(1);
});
