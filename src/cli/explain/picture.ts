// `dinitctl graph`: the whole loaded graph coloured by state, as Graphviz dot text or as an SVG
// drawn here with a small layered layout (dependents above their dependencies), so that no
// Graphviz is needed.

import { DEP_WORDS, type Graph, STATE_COLOURS, stateLabel } from './graph';
import { el, esc, svgDocument, textWidth } from './svg';
import type { DependencyType } from '../../model';

/** How each kind of link is drawn: dash pattern ('' = solid) and colour. */
const EDGE_STYLE: Readonly<Record<DependencyType, { dash: string; colour: string }>> = {
  regular: { dash: '', colour: '#333333' },
  'prepared-by': { dash: '', colour: '#6a3d9a' },
  milestone: { dash: '8 3 2 3', colour: '#333333' },
  'waits-for': { dash: '6 4', colour: '#555555' },
  soft: { dash: '6 4', colour: '#555555' },
  before: { dash: '2 3', colour: '#999999' },
  after: { dash: '2 3', colour: '#999999' },
};

/** The graph in Graphviz's dot language. */
export function dotText(g: Graph): string {
  const lines = [
    'digraph dinit {',
    '  node [shape=box, style="rounded,filled", fontname="sans-serif"];',
  ];
  for (const s of g.services()) {
    const st = stateLabel(s);
    lines.push(`  "${s.name}" [label="${s.name}\\n${st}", fillcolor="${STATE_COLOURS[st]}"];`);
  }
  for (const s of g.services()) {
    for (const l of s.dependsOn) {
      if (g.get(l.to) === undefined) continue;
      const style =
        EDGE_STYLE[l.type].dash === ''
          ? 'solid'
          : l.type.match(/before|after/)
            ? 'dotted'
            : 'dashed';
      lines.push(`  "${s.name}" -> "${l.to}" [label="${DEP_WORDS[l.type]}", style=${style}];`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

interface Box {
  name: string;
  layer: number;
  x: number;
  y: number;
  w: number;
}

const NODE_H = 40;
const LAYER_GAP = 70;
const NODE_GAP = 24;
const MARGIN = 20;

/** Layer of each service: the longest chain of (non-ordering) dependents above it. */
function layers(g: Graph): Map<string, number> {
  const layer = new Map<string, number>(g.services().map((s) => [s.name, 0]));
  for (let pass = 0, changed = true; changed && pass <= layer.size; pass++) {
    changed = false;
    for (const s of g.services()) {
      for (const l of s.dependsOn) {
        const below = (layer.get(s.name) ?? 0) + 1;
        if (l.type === 'before' || l.type === 'after' || !layer.has(l.to)) continue;
        if ((layer.get(l.to) ?? 0) < below) {
          layer.set(l.to, below);
          changed = true;
        }
      }
    }
  }
  return layer;
}

/** Boxes placed in rows by layer, each row ordered by the mean position of its dependents. */
function place(g: Graph): Box[] {
  const layer = layers(g);
  const rows: string[][] = [];
  for (const [name, l] of layer) (rows[l] ??= []).push(name);
  const pos = new Map<string, number>();
  const boxes: Box[] = [];
  rows.forEach((row, l) => {
    const key = (n: string): number => {
      const up = g
        .dependents(n)
        .map((e) => pos.get(e.from))
        .filter((p) => p !== undefined);
      return up.length === 0 ? Infinity : up.reduce((a, b) => a + b, 0) / up.length;
    };
    row.sort((a, b) => key(a) - key(b) || a.localeCompare(b));
    let x = MARGIN;
    for (const name of row) {
      const w = Math.max(90, textWidth(name, 13) + 24);
      boxes.push({ name, layer: l, x, y: MARGIN + l * (NODE_H + LAYER_GAP), w });
      pos.set(name, x + w / 2);
      x += w + NODE_GAP;
    }
  });
  return centreRows(boxes);
}

/** Shift each row so that all rows are centred on the widest. */
function centreRows(boxes: Box[]): Box[] {
  const rowEnd = new Map<number, number>();
  for (const b of boxes) rowEnd.set(b.layer, Math.max(rowEnd.get(b.layer) ?? 0, b.x + b.w));
  const widest = Math.max(0, ...rowEnd.values());
  return boxes.map((b) => ({ ...b, x: b.x + (widest - (rowEnd.get(b.layer) ?? 0)) / 2 }));
}

/** One node: a rounded box in its state's colour with the name and the state. */
function nodeSvg(g: Graph, b: Box): string {
  const s = g.get(b.name);
  const st = s === undefined ? 'STOPPED' : stateLabel(s);
  const cx = b.x + b.w / 2;
  return el(
    'g',
    {},
    [
      el('rect', {
        x: b.x,
        y: b.y,
        width: b.w,
        height: NODE_H,
        rx: 8,
        fill: STATE_COLOURS[st],
        stroke: '#444444',
        'stroke-width': 1.2,
      }),
      el(
        'text',
        {
          x: cx,
          y: b.y + 17,
          'text-anchor': 'middle',
          'font-size': 13,
          'font-weight': 'bold',
          fill: '#111111',
        },
        esc(b.name),
      ),
      el(
        'text',
        { x: cx, y: b.y + 32, 'text-anchor': 'middle', 'font-size': 10, fill: '#333333' },
        st,
      ),
    ].join(''),
  );
}

/** The edges as curves from the bottom of the dependent to the top of the dependency. */
function edgesSvg(g: Graph, boxes: Map<string, Box>): string[] {
  const out: string[] = [];
  for (const s of g.services()) {
    const a = boxes.get(s.name) as Box;
    for (const l of s.dependsOn) {
      const b = boxes.get(l.to);
      if (b === undefined) continue;
      const down = b.y > a.y;
      const [x1, y1] = [a.x + a.w / 2, down ? a.y + NODE_H : a.y];
      const [x2, y2] = [b.x + b.w / 2, down ? b.y : b.y + NODE_H];
      const bend = down ? LAYER_GAP / 2 : -LAYER_GAP / 2;
      const st = EDGE_STYLE[l.type];
      out.push(
        el(
          'path',
          {
            d: `M${x1.toFixed(1)},${y1} C${x1.toFixed(1)},${y1 + bend} ${x2.toFixed(1)},${y2 - bend} ${x2.toFixed(1)},${y2}`,
            fill: 'none',
            stroke: st.colour,
            'stroke-width': 1.5,
            ...(st.dash ? { 'stroke-dasharray': st.dash } : {}),
            'marker-end': 'url(#arrow)',
          },
          el('title', {}, esc(`${s.name} ${DEP_WORDS[l.type]} ${l.to}`)),
        ),
      );
    }
  }
  return out;
}

/** The key: state colours and link kinds, in one row at (x, y); `end` gets its right end. */
function legendSvg(x: number, y: number, end: { x: number } = { x: 0 }): string[] {
  const out: string[] = [];
  let at = x;
  for (const [st, colour] of Object.entries(STATE_COLOURS)) {
    out.push(
      el('rect', { x: at, y, width: 14, height: 14, rx: 3, fill: colour, stroke: '#444444' }),
    );
    out.push(el('text', { x: at + 18, y: y + 11, 'font-size': 11, fill: '#222222' }, st));
    at += 26 + textWidth(st, 11);
  }
  for (const t of ['regular', 'milestone', 'waits-for', 'before'] as const) {
    const st = EDGE_STYLE[t];
    out.push(
      el('line', {
        x1: at,
        y1: y + 7,
        x2: at + 30,
        y2: y + 7,
        stroke: st.colour,
        'stroke-width': 1.5,
        ...(st.dash ? { 'stroke-dasharray': st.dash } : {}),
      }),
    );
    const word = t === 'before' ? 'before/after' : DEP_WORDS[t];
    out.push(el('text', { x: at + 34, y: y + 11, 'font-size': 11, fill: '#222222' }, word));
    at += 44 + textWidth(word, 11);
  }
  end.x = at;
  return out;
}

/** The graph as an SVG document. */
export function graphSvg(g: Graph): string {
  const boxes = place(g);
  const byName = new Map(boxes.map((b) => [b.name, b]));
  const bottom = Math.max(0, ...boxes.map((b) => b.y + NODE_H)) + 30;
  const legendEnd = { x: 0 };
  const legend = legendSvg(MARGIN, bottom, legendEnd);
  const right = Math.max(legendEnd.x, ...boxes.map((b) => b.x + b.w)) + MARGIN;
  const shift = Math.max(0, (right - MARGIN - Math.max(...boxes.map((b) => b.x + b.w), 0)) / 2);
  const placed = new Map([...byName].map(([n, b]) => [n, { ...b, x: b.x + shift }]));
  const marker = el(
    'defs',
    {},
    el(
      'marker',
      {
        id: 'arrow',
        viewBox: '0 0 10 10',
        refX: 10,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      },
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#444444' }),
    ),
  );
  const body = [
    marker,
    ...edgesSvg(g, placed),
    ...[...placed.values()].map((b) => nodeSvg(g, b)),
    ...legend,
  ];
  return svgDocument(right, bottom + 30, 'dinit services', body);
}
