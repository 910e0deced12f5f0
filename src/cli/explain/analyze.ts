// `dinitctl analyze`: boot timing from the services' state-change times, as systemd-analyze
// shows it: blame (time each start took), critical-chain (what a service waited for), and a
// plot (an SVG timeline of every start).

import type { ServiceExplanation } from '../../model';
import { type Graph, STATE_COLOURS, seconds } from './graph';
import { el, esc, svgDocument, textWidth } from './svg';

/** A service that has started, with its start times relative to the daemon's start. */
interface Timed {
  s: ServiceExplanation;
  /** Entered STARTING, began its own start (dependencies satisfied), reached STARTED. */
  begin: number;
  launched: number;
  up: number;
  /** Until when it ran: now while started, else when it began to stop. */
  until: number;
}

/** The services whose latest start completed, sorted by when they began. */
function timed(g: Graph): Timed[] {
  const out: Timed[] = [];
  for (const s of g.services()) {
    const t = s.times;
    if (t.starting === undefined || t.started === undefined || t.started < t.starting) continue;
    const since = g.snap.since;
    const launched = t.launched !== undefined && t.launched >= t.starting ? t.launched : t.starting;
    const until = s.state === 'started' ? g.snap.now : Math.max(t.stopping ?? t.started, t.started);
    out.push({
      s,
      begin: t.starting - since,
      launched: launched - since,
      up: t.started - since,
      until: until - since,
    });
  }
  return out.sort((a, b) => a.begin - b.begin || a.s.name.localeCompare(b.s.name));
}

/** One row of blame: how long a service's own start took, and when it was up. */
export interface BlameRow {
  service: string;
  /** Its own start (from dependencies satisfied to started), in ms. */
  startMs: number;
  /** When it was up, in ms since the daemon started. */
  upAtMs: number;
}

/** The started services, the longest own start first. */
export function blameRows(g: Graph): BlameRow[] {
  return timed(g)
    .sort((a, b) => b.up - b.launched - (a.up - a.launched) || a.s.name.localeCompare(b.s.name))
    .map((r) => ({ service: r.s.name, startMs: r.up - r.launched, upAtMs: r.up }));
}

/** blame: one line per started service, the longest own start first. */
export function blameText(g: Graph): string {
  const rows = blameRows(g);
  const width = Math.max(0, ...rows.map((r) => seconds(r.startMs).length));
  return rows.map((r) => `${seconds(r.startMs).padStart(width)} ${r.service}\n`).join('');
}

/** The dependency `t` waited for last: the one that started latest before `t` began its own start. */
function blocker(g: Graph, t: Timed, all: Map<string, Timed>): Timed | undefined {
  let best: Timed | undefined;
  for (const l of t.s.dependsOn) {
    if (l.type === 'before') continue;
    const d = all.get(l.to);
    if (d === undefined || d.up > t.launched) continue;
    if (best === undefined || d.up > best.up) best = d;
  }
  return best;
}

/**
 * The critical chain of `name` (default: boot, else the service that started last): the service,
 * then what it waited for last, and so on down; undefined when that service has no start time.
 */
export function criticalChain(g: Graph, name: string | undefined): BlameRow[] | undefined {
  const list = timed(g);
  const all = new Map(list.map((t) => [t.s.name, t]));
  const target = name ?? (all.has('boot') ? 'boot' : list.sort((a, b) => b.up - a.up)[0]?.s.name);
  let at = target === undefined ? undefined : all.get(target);
  if (at === undefined) return undefined;
  const chain: BlameRow[] = [];
  for (let depth = 0; at !== undefined && depth < all.size; depth++) {
    chain.push({ service: at.s.name, startMs: at.up - at.launched, upAtMs: at.up });
    at = blocker(g, at, all);
  }
  return chain;
}

/**
 * critical-chain as text: "@" when each was up and "+" how long its own start took (shown from
 * one millisecond).
 */
export function criticalChainText(g: Graph, name: string | undefined): string | undefined {
  const chain = criticalChain(g, name);
  if (chain === undefined) return undefined;
  const lines = [
    'The time when a service is up is after the "@"; its own start took the time after the "+".',
    '',
  ];
  chain.forEach((r, depth) => {
    const plus = r.startMs >= 1 ? ` +${seconds(r.startMs)}` : '';
    lines.push(
      `${depth === 0 ? '' : `${'  '.repeat(depth - 1)}└─`}${r.service} @${seconds(r.upAtMs)}${plus}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

const ROW_H = 22;
const LABEL_W = 10;

/** plot: an SVG timeline, one row per service: waiting (pale), starting (amber), up (green). */
export function plotSvg(g: Graph): string {
  const rows = timed(g);
  const end = Math.max(1000, g.snap.now - g.snap.since, ...rows.map((r) => r.up));
  const nameW = Math.max(120, ...rows.map((r) => textWidth(r.s.name, 12))) + LABEL_W * 2;
  const scale = Math.max(0.05, Math.min(0.5, 900 / end));
  const width = nameW + end * scale + 40;
  const top = 40;
  const body: string[] = [
    el(
      'text',
      { x: 10, y: 22, 'font-size': 14, 'font-weight': 'bold', fill: '#111111' },
      'dinit boot timeline (seconds since the daemon started)',
    ),
  ];
  body.push(...axisSvg(nameW, top, end, scale, rows.length * ROW_H));
  rows.forEach((r, i) => body.push(rowSvg(r, nameW, top + i * ROW_H, scale)));
  const keyY = top + rows.length * ROW_H + 30;
  body.push(...keySvg(10, keyY));
  return svgDocument(width, keyY + 30, 'dinit boot timeline', body);
}

/** The seconds scale: a tick and a faint line every second (every 10 s on long boots). */
function axisSvg(x0: number, top: number, end: number, scale: number, height: number): string[] {
  const step = end > 30000 ? 10000 : 1000;
  const out: string[] = [];
  for (let t = 0; t <= end; t += step) {
    const x = x0 + t * scale;
    out.push(el('line', { x1: x, y1: top - 6, x2: x, y2: top + height, stroke: '#dddddd' }));
    out.push(
      el(
        'text',
        { x, y: top - 9, 'font-size': 10, 'text-anchor': 'middle', fill: '#555555' },
        `${t / 1000}s`,
      ),
    );
  }
  return out;
}

/** One service's row: its name, then its bars. */
function rowSvg(r: Timed, x0: number, y: number, scale: number): string {
  const bar = (from: number, to: number, fill: string): string =>
    el('rect', {
      x: x0 + from * scale,
      y: y + 4,
      width: Math.max(1.5, (to - from) * scale),
      height: ROW_H - 8,
      fill,
    });
  const title = `${r.s.name}: starting @${seconds(r.begin)}, own start @${seconds(r.launched)}, up @${seconds(r.up)}`;
  return el(
    'g',
    {},
    [
      el('title', {}, esc(title)),
      el(
        'text',
        { x: x0 - LABEL_W, y: y + 15, 'font-size': 12, 'text-anchor': 'end', fill: '#111111' },
        esc(r.s.name),
      ),
      bar(r.begin, r.launched, '#e8eef7'),
      bar(r.launched, r.up, '#f0b429'),
      bar(r.up, r.until, STATE_COLOURS.STARTED),
      el(
        'text',
        { x: x0 + r.up * scale + 4, y: y + 15, 'font-size': 10, fill: '#444444' },
        seconds(r.up - r.launched),
      ),
    ].join(''),
  );
}

/** What the colours mean. */
function keySvg(x: number, y: number): string[] {
  const items: Array<[string, string]> = [
    ['#e8eef7', 'waiting for dependencies'],
    ['#f0b429', 'starting (own start)'],
    [STATE_COLOURS.STARTED, 'started'],
  ];
  const out: string[] = [];
  let at = x;
  for (const [colour, word] of items) {
    out.push(el('rect', { x: at, y, width: 14, height: 14, fill: colour, stroke: '#888888' }));
    out.push(el('text', { x: at + 18, y: y + 11, 'font-size': 11, fill: '#222222' }, word));
    at += 30 + textWidth(word, 11);
  }
  return out;
}
