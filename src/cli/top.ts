// dinitctl top (dinit-ts): the running services with CPU %, memory, process count and uptime,
// redrawn in place every second on a terminal (keys: c sorts by CPU, m by memory, q quits);
// one frame (two samples apart, so CPU % is current) when standard output is not a terminal.

import type { CommandContext } from './command';
import { jsonText } from './json';
import type { CtlPort } from './port';
import { humanBytes, humanDuration, runningPid } from './stats';
import type { ServiceStats } from '../stats/sampler';
import { CliError } from '../errors';

type SortKey = 'cpu' | 'mem';

/** One row: a running service and its figures. */
interface Row {
  name: string;
  stats: ServiceStats;
}

/** The terminal top draws on (the process's own; replaced in tests). */
export interface Terminal {
  isTTY: boolean;
  /** Call `onKey` for each key pressed; returns a function that restores the terminal. */
  keys(onKey: (key: string) => void): () => void;
}

const processTerminal: Terminal = {
  isTTY: process.stdout.isTTY === true && process.stdin.isTTY === true,
  keys(onKey) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    const listener = (b: Buffer) => onKey(b.toString('utf8'));
    process.stdin.on('data', listener);
    return () => {
      process.stdin.off('data', listener);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    };
  },
};

const REFRESH_MS = 1000;

/** The rows, sorted by CPU (then memory) or memory (then CPU), then name. */
function sorted(rows: Row[], key: SortKey): Row[] {
  const cpu = (r: Row) => r.stats.cpuPercent;
  const mem = (r: Row) => r.stats.memoryBytes;
  const [a, b] = key === 'cpu' ? [cpu, mem] : [mem, cpu];
  return [...rows].sort((x, y) => a(y) - a(x) || b(y) - b(x) || x.name.localeCompare(y.name));
}

/** One frame of text: a heading, the column titles and a line per running service. */
export function frame(rows: Row[], total: number, key: SortKey): string {
  const width = Math.max(7, ...rows.map((r) => r.name.length));
  let s =
    `dinitctl top: ${rows.length} running of ${total} loaded; sorted by ` +
    `${key === 'cpu' ? 'CPU' : 'memory'} (c: CPU, m: memory, q: quit)\n\n` +
    `${'SERVICE'.padEnd(width)}  ${'PID'.padStart(7)}  ${'CPU%'.padStart(6)}  ` +
    `${'MEMORY'.padStart(10)}  ${'PROCS'.padStart(5)}  UPTIME\n`;
  for (const { name, stats: t } of sorted(rows, key)) {
    s +=
      `${name.padEnd(width)}  ${String(t.pid).padStart(7)}  ${t.cpuPercent.toFixed(1).padStart(6)}  ` +
      `${humanBytes(t.memoryBytes).padStart(10)}  ${String(t.processes).padStart(5)}  ` +
      `${humanDuration(t.uptimeSeconds)}\n`;
  }
  return s;
}

/** The sampler and the daemon: one call gives the rows of a frame. */
async function rowSource(port: CtlPort) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StatsSampler } = require('../stats/sampler') as typeof import('../stats/sampler');
  const sampler = new StatsSampler();
  const next = async (): Promise<{ rows: Row[]; total: number }> => {
    const services = await port.listServices();
    const figures = await sampler.sample(
      services.map((s) => runningPid(s.status)).filter((p): p is number => p !== undefined),
    );
    const rows: Row[] = [];
    for (const s of services) {
      const stats = figures.get(runningPid(s.status) ?? -1);
      if (stats !== undefined) rows.push({ name: s.name, stats });
    }
    return { rows, total: services.length };
  };
  return { next, close: () => sampler.close() };
}

/** Redraw every second until q (or the daemon goes away); resolves with the exit code. */
async function live(
  ctx: CommandContext,
  term: Terminal,
  source: Awaited<ReturnType<typeof rowSource>>,
  key: SortKey,
) {
  let quit: () => void = () => undefined;
  const done = new Promise<void>((r) => (quit = r));
  let timer: NodeJS.Timeout | undefined;
  const draw = (rows: Row[], total: number) => ctx.out(`\x1b[H\x1b[2J${frame(rows, total, key)}`);
  let last = await source.next();
  const restore = term.keys((k) => {
    if (k === 'q' || k === '\x03') quit();
    else if (k === 'c' || k === 'm') {
      key = k === 'c' ? 'cpu' : 'mem';
      draw(last.rows, last.total);
    }
  });
  ctx.out('\x1b[?1049h\x1b[?25l');
  const tick = async () => {
    last = await source.next();
    draw(last.rows, last.total);
    timer = setTimeout(() => void tick().catch(quit), REFRESH_MS);
  };
  await tick();
  await done;
  clearTimeout(timer);
  restore();
  ctx.out('\x1b[?25h\x1b[?1049l');
  return 0;
}

/** Run top; resolves with the exit code. */
export async function topCommand(ctx: CommandContext, term: Terminal = processTerminal) {
  const key = (ctx.cl.sort ?? 'cpu') as SortKey;
  if (key !== 'cpu' && key !== 'mem') {
    throw new CliError('EUSAGE', `--sort should be cpu or mem, not '${ctx.cl.sort as string}'`);
  }
  const source = await rowSource(await ctx.connect());
  try {
    if (term.isTTY && !ctx.cl.json) return await live(ctx, term, source, key);
    await source.next();
    await new Promise((r) => setTimeout(r, 250));
    const { rows, total } = await source.next();
    ctx.out(
      ctx.cl.json
        ? jsonText(sorted(rows, key).map((r) => ({ name: r.name, stats: r.stats })))
        : frame(rows, total, key),
    );
    return 0;
  } finally {
    source.close();
  }
}
