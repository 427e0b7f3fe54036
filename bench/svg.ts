/** A small hand-written SVG writer for the bench charts: elements, scales, axes, a legend. No dependencies. */

type Attrs = Record<string, string | number>;

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One element; children are already-rendered markup (use text() for text). */
export function el(tag: string, attrs: Attrs, ...children: string[]): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(typeof v === 'number' ? Math.round(v * 100) / 100 : v))}"`)
    .join('');
  return children.length ? `<${tag}${a}>${children.join('')}</${tag}>` : `<${tag}${a}/>`;
}

export const text = (s: string): string => xmlEscape(s);

export function label(x: number, y: number, s: string, attrs: Attrs = {}): string {
  return el('text', { x, y, 'font-size': 12, fill: '#333', ...attrs }, text(s));
}

export interface Scale {
  (v: number): number;
  ticks: number[];
  format(v: number): string;
}

/** A linear scale from [0, max] (rounded up to a nice number) onto [from, to]. */
export function linearScale(max: number, from: number, to: number, format: (v: number) => string = (v) => String(v)): Scale {
  const raw = max > 0 ? max : 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => raw / s <= 5) ?? 10 * mag;
  const top = Math.ceil(raw / step) * step;
  const f = (v: number) => from + (v / top) * (to - from);
  return Object.assign(f, { ticks: Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step), format });
}

/** A log10 scale over whole decades covering [min, max], onto [from, to]. */
export function logScale(min: number, max: number, from: number, to: number, format: (v: number) => string = (v) => String(v)): Scale {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-3))));
  const f = (v: number) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from);
  return Object.assign(f, { ticks: Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)), format });
}

/** Horizontal grid lines and tick labels of a y scale, between x0 and x1; labels left (or right) of the axis. */
export function yAxis(s: Scale, x0: number, x1: number, side: 'left' | 'right' = 'left', title = ''): string {
  const out: string[] = [];
  for (const t of s.ticks) {
    const y = s(t);
    if (side === 'left') out.push(el('line', { x1: x0, x2: x1, y1: y, y2: y, stroke: '#e3e3e3' }));
    out.push(label(side === 'left' ? x0 - 6 : x1 + 6, y + 4, s.format(t), { 'text-anchor': side === 'left' ? 'end' : 'start', fill: '#666' }));
  }
  const ys = s.ticks.map((t) => s(t));
  const mid = (Math.min(...ys) + Math.max(...ys)) / 2;
  const tx = side === 'left' ? x0 - 52 : x1 + 52;
  if (title) out.push(label(tx, mid, title, { 'text-anchor': 'middle', transform: `rotate(-90 ${tx} ${mid})`, fill: '#444' }));
  return out.join('');
}

/** A legend: one swatch and name per entry, in a row from (x, y). */
export function legend(x: number, y: number, entries: { name: string; color: string; dashed?: boolean; bar?: boolean }[]): string {
  let cx = x;
  const out: string[] = [];
  for (const e of entries) {
    out.push(
      e.bar
        ? el('rect', { x: cx, y: y - 9, width: 14, height: 10, fill: e.color, opacity: 0.6 })
        : el('line', { x1: cx, x2: cx + 18, y1: y - 4, y2: y - 4, stroke: e.color, 'stroke-width': 2.5, ...(e.dashed ? { 'stroke-dasharray': '6 4' } : {}) }),
    );
    out.push(label(cx + 24, y, e.name));
    cx += 34 + e.name.length * 6.6;
  }
  return out.join('');
}

/** The whole document. */
export function svgDocument(width: number, height: number, ...body: string[]): string {
  return `${el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': 'Helvetica, Arial, sans-serif' },
    el('rect', { x: 0, y: 0, width, height, fill: '#fff' }),
    ...body,
  )}\n`;
}
