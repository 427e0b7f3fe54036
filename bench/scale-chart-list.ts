/**
 * The lower band of the scale chart: GET /servers/detail?limit=1000 with
 * 10,000 servers (p50, p95, and paging through all of them) per database,
 * against the 100 ms target; and database statements and CPU time per
 * boot-and-delete per daemon.
 */
import { el, label } from './svg.ts';

export interface ListBar {
  backend: string;
  servers: number;
  detail_p50_ms: number;
  detail_p95_ms: number;
  paging_total_ms: number;
  pages: number;
}

export interface DaemonBar {
  daemon: string;
  statements_per_boot: number;
  cpu_ms_per_boot: number;
}

const TARGET_MS = 100;
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Horizontal bars from x0 (value 0) to x0 + width (value max), one row per entry. */
export function bars(x0: number, y0: number, width: number, max: number, rows: { name: string; value: number; color: string; text: string }[]): string[] {
  const out: string[] = [];
  rows.forEach((r, i) => {
    const y = y0 + i * 20;
    out.push(label(x0 - 6, y + 11, r.name, { 'text-anchor': 'end', 'font-size': 11 }));
    out.push(el('rect', { x: x0, y, width: Math.max(1, (Math.min(r.value, max) / max) * width), height: 14, fill: r.color, opacity: 0.75 }));
    out.push(label(x0 + (Math.min(r.value, max) / max) * width + 5, y + 11, r.text, { 'font-size': 11 }));
  });
  return out;
}

export function listBand(top: number, list: readonly ListBar[], daemons: readonly DaemonBar[]): string[] {
  const out: string[] = [];
  const servers = list[0]?.servers ?? 10_000;
  out.push(label(90, top, `GET /servers/detail?limit=1000 with ${servers.toLocaleString('en')} servers`, { 'font-weight': 'bold', 'font-size': 13 }));
  const rows = list.flatMap((l) => [
    { name: `${l.backend} p50`, value: l.detail_p50_ms, color: '#1f77b4', text: `${fmt(l.detail_p50_ms)} ms` },
    { name: `${l.backend} p95`, value: l.detail_p95_ms, color: '#ff7f0e', text: `${fmt(l.detail_p95_ms)} ms` },
    { name: `${l.backend} all ${l.pages} pages`, value: l.paging_total_ms, color: '#7f7f7f', text: `${fmt(l.paging_total_ms)} ms in all` },
  ]);
  const x0 = 230;
  const width = 260;
  const max = Math.max(2 * TARGET_MS, ...rows.filter((r) => !r.name.includes('pages')).map((r) => r.value));
  // The paging rows are drawn on the same scale, cut at the panel's edge (their total is written).
  out.push(...bars(x0, top + 14, width, max, rows));
  const tx = x0 + (TARGET_MS / max) * width;
  out.push(el('line', { x1: tx, x2: tx, y1: top + 8, y2: top + 18 + rows.length * 20, stroke: '#2ca02c', 'stroke-width': 1.5, 'stroke-dasharray': '2 3' }));
  out.push(label(tx + 3, top + 26 + rows.length * 20, `target ${TARGET_MS} ms (a page)`, { fill: '#2ca02c', 'font-size': 11 }));
  if (daemons.length) {
    out.push(label(640, top, 'Per boot-and-delete, per daemon', { 'font-weight': 'bold', 'font-size': 13 }));
    const maxSt = Math.max(...daemons.map((d) => d.statements_per_boot), 1);
    const rows = daemons.map((d) => ({
      name: d.daemon,
      value: d.statements_per_boot,
      color: '#9467bd',
      text: `${fmt(d.statements_per_boot)} statements, ${fmt(d.cpu_ms_per_boot)} ms CPU`,
    }));
    out.push(...bars(720, top + 14, 80, maxSt, rows));
  }
  return out;
}
