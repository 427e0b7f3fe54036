/**
 * The third band of the scale chart, from the other scale benches' results:
 * the scheduler's decision time at 100, 1,000 and 5,000 hosts per database
 * (`npm run bench -- scheduler`, against the 10 ms target) and boots/s with
 * 1, 2 and 3 worker processes of each service (`npm run bench -- workers`).
 */
import { bars } from './scale-chart-list.ts';
import { el, label } from './svg.ts';

export interface DecisionBar {
  backend: string;
  hosts: number;
  p50: number;
  p95: number;
}

export interface WorkersBar {
  workers: number;
  hosts: number;
  boots_per_sec: number;
  p50_ms: number;
}

const TARGET_MS = 10;
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Rows the band needs (for the chart's height). */
export const moreRows = (decisions: readonly DecisionBar[], workers: readonly WorkersBar[]) => Math.max(decisions.length * 2, workers.length);

export function moreBand(top: number, decisions: readonly DecisionBar[], workers: readonly WorkersBar[]): string[] {
  const out: string[] = [];
  if (decisions.length) {
    out.push(label(90, top, 'Scheduler decision per request (serial)', { 'font-weight': 'bold', 'font-size': 13 }));
    const rows = decisions.flatMap((d) => [
      { name: `${d.backend}, ${d.hosts.toLocaleString('en')} hosts p50`, value: d.p50, color: '#1f77b4', text: `${fmt(d.p50)} ms` },
      { name: `${d.backend}, ${d.hosts.toLocaleString('en')} hosts p95`, value: d.p95, color: '#ff7f0e', text: `${fmt(d.p95)} ms` },
    ]);
    const x0 = 250;
    const width = 240;
    const max = Math.max(2 * TARGET_MS, ...rows.map((r) => r.value));
    out.push(...bars(x0, top + 14, width, max, rows));
    const tx = x0 + (TARGET_MS / max) * width;
    out.push(el('line', { x1: tx, x2: tx, y1: top + 8, y2: top + 18 + rows.length * 20, stroke: '#2ca02c', 'stroke-width': 1.5, 'stroke-dasharray': '2 3' }));
    out.push(label(tx + 3, top + 26 + rows.length * 20, `target ${TARGET_MS} ms at 1,000 hosts`, { fill: '#2ca02c', 'font-size': 11 }));
  }
  if (workers.length) {
    const hosts = workers[0]?.hosts ?? 0;
    out.push(label(640, top, `Worker processes of each service (${hosts} hosts)`, { 'font-weight': 'bold', 'font-size': 13 }));
    const max = Math.max(...workers.map((w) => w.boots_per_sec), 1);
    const rows = workers.map((w) => ({
      name: `${w.workers} worker${w.workers === 1 ? '' : 's'}`,
      value: w.boots_per_sec,
      color: '#17becf',
      text: `${fmt(w.boots_per_sec)} boots/s, median ${(w.p50_ms / 1000).toFixed(2)} s`,
    }));
    out.push(...bars(720, top + 14, 80, max, rows));
  }
  return out;
}
