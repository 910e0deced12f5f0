// Small SVG writing helpers shared by `dinitctl graph --format svg` and `dinitctl analyze
// plot`: escaping, elements from attribute objects, and the document frame with a white page.

/** Text made safe for SVG content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** One element: `<name a="v" ...>content</name>`, or self-closed without content. */
export function el(name: string, attrs: Record<string, string | number>, content?: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? round(v) : esc(v)}"`)
    .join('');
  return content === undefined ? `<${name}${a}/>` : `<${name}${a}>${content}</${name}>`;
}

/** A number with at most one decimal (shorter files, same picture). */
function round(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Width of `text` in pixels at `size` px of a sans-serif font (an estimate: no font metrics). */
export function textWidth(text: string, size: number): number {
  return text.length * size * 0.6;
}

/** The whole document: a white page of the given size holding `body`. */
export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${round(width)}" height="${round(height)}" ` +
    `viewBox="0 0 ${round(width)} ${round(height)}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">\n` +
    `${el('title', {}, esc(title))}\n` +
    `${el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' })}\n` +
    `${body.join('\n')}\n</svg>\n`
  );
}
