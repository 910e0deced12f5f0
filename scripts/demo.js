#!/usr/bin/env node
// `npm run demo`: runs the dinit daemon in user mode on the example services in fixtures/demo,
// with its control socket in a fresh temporary directory, and stays in the foreground until
// Ctrl-C (which makes dinit stop every service in order and exit). Builds first if needed.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

// Compile only when a source changed since the last build (tsc takes seconds; the check does not).
const build = spawnSync(process.execPath, [path.join(__dirname, 'build.js'), '--if-stale'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.error(`demo: the build failed (status ${build.status}); see the messages above.`);
  process.exit(1);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dinit-demo-'));
const socket = path.join(dir, 'socket');
const services = path.join(root, 'fixtures/demo/services');
const dinitctl = path.relative(process.cwd(), path.join(root, 'bin/dinitctl')) || 'bin/dinitctl';

const child = spawn(
  process.execPath,
  [path.join(root, 'bin/dinit'), '-u', '-d', services, '-p', socket, '-F', '3'],
  {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  },
);

let ready = '';
child.stdio[3].on('data', (b) => {
  ready += b.toString();
  if (!ready.includes('\0')) return;
  ready = '\0\0'; // report once
  console.log(`
dinit is running in user mode on fixtures/demo/services (socket: ${socket}).
Talk to it from another terminal:

  ${dinitctl} -p ${socket} list
  ${dinitctl} -p ${socket} status ticker
  ${dinitctl} -p ${socket} catlog ticker
  ${dinitctl} -p ${socket} catlog chatter-log
  ${dinitctl} -p ${socket} stop ticker
  ${dinitctl} -p ${socket} start ticker

Press Ctrl-C here to stop every service (in dependency order) and exit.
`);
});
child.stdio[3].on('error', () => {});

let stopping = false;
function stop(signal) {
  // Ctrl-C in a terminal also reaches dinit directly (same process group); a second SIGINT or
  // SIGTERM only repeats the request to stop everything, so forwarding is always safe.
  child.kill(signal);
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    console.error('demo: dinit did not stop within 20 seconds; killing it.');
    child.kill('SIGKILL');
  }, 20000).unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGTERM'));

child.on('error', (err) => {
  console.error(`demo: could not start dinit: ${err.message}`);
});
child.on('exit', (code, signal) => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (signal) console.log(`dinit exited on signal ${signal}.`);
  else console.log(`dinit exited with status ${code}.`);
  process.exit(code ?? 1);
});
