/** The chart of npm run bench -- scale: boot latency percentiles and boots/s against the number of compute hosts. */
import { type DaemonBar, type ListBar, listBand } from './scale-chart-list.ts';
import { type DecisionBar, moreBand, moreRows, type WorkersBar } from './scale-chart-more.ts';
import { el, label, legend, linearScale, logScale, svgDocument, yAxis } from './svg.ts';

export interface ScalePoint {
  hosts: number;
  p50: number;
  p95: number;
  p99: number;
  bootsPerSec: number;
  /** Scheduler decision per request (ms), median. */
  schedulerMs: number;
  /** The same boots paced as Rally paces them (drawn dashed beside the closed loop's). */
  paced?: { p50: number; p95: number; p99: number };
}

/** Nova's published Rally run: 1,000 fake computes, concurrency 50. */
export const NOVA_RALLY = { hosts: 1000, medianMs: 6200, p95Ms: 8000 };
/** Issue 12's targets at 1,000 hosts. */
export const TARGETS = { medianMs: 500, p99Ms: 2000 };

const COLORS = { p50: '#1f77b4', p95: '#ff7f0e', p99: '#d62728', nova: '#7f7f7f', target: '#2ca02c', bars: '#1f77b4' };
const fmtMs = (v: number) => (v >= 1000 ? `${Math.round(v / 100) / 10} s` : `${Math.round(v)} ms`);
const fmtNum = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function scaleChart(
  points: ScalePoint[],
  subtitle: string,
  list: readonly ListBar[] = [],
  daemons: readonly DaemonBar[] = [],
  more: { decisions: readonly DecisionBar[]; workers: readonly WorkersBar[] } = { decisions: [], workers: [] },
): string {
  const W = 1000;
  const band = list.length || daemons.length ? 40 + Math.max(list.length * 3, daemons.length) * 20 + 30 : 0;
  const rows2 = moreRows(more.decisions, more.workers);
  const band2 = rows2 ? 40 + rows2 * 20 + 30 : 0;
  const H = 470 + band + band2;
  const top = 80;
  const bottom = 470 - 70;
  const pts = [...points].sort((a, b) => a.hosts - b.hosts);
  // Left panel: latency, log scale (ours next to Nova's seconds).
  const lx0 = 90;
  const lx1 = 560;
  const step = (lx1 - lx0) / (pts.length + 1);
  const xAt = (i: number) => lx0 + step * (i + 1);
  const maxMs = Math.max(NOVA_RALLY.p95Ms, ...pts.map((p) => p.p99));
  const minMs = Math.min(...pts.map((p) => Math.min(p.p50, p.paced?.p50 ?? p.p50)), TARGETS.medianMs);
  const y = logScale(minMs, maxMs, bottom, top, fmtMs);
  const out: string[] = [];
  out.push(
    label(W / 2, 28, 'Boot-and-delete at concurrency 50 against simulated compute hosts', { 'text-anchor': 'middle', 'font-size': 18, 'font-weight': 'bold', fill: '#222' }),
  );
  out.push(label(W / 2, 48, subtitle, { 'text-anchor': 'middle', fill: '#666' }));
  out.push(yAxis(y, lx0, lx1, 'left', 'boot time, POST → ACTIVE (log scale)'));
  out.push(el('line', { x1: lx0, x2: lx1, y1: bottom, y2: bottom, stroke: '#999' }));
  const ref = (ms: number, color: string, dash: string, name: string, below = false) =>
    el('line', { x1: lx0, x2: lx1, y1: y(ms), y2: y(ms), stroke: color, 'stroke-width': 1.5, 'stroke-dasharray': dash }) +
    label(lx0 + 4, y(ms) + (below ? 13 : -5), name, { fill: color, 'font-size': 11 });
  out.push(ref(NOVA_RALLY.p95Ms, COLORS.nova, '6 4', `Nova p95 ${NOVA_RALLY.p95Ms / 1000} s`));
  out.push(ref(NOVA_RALLY.medianMs, COLORS.nova, '6 4', `Nova median ${NOVA_RALLY.medianMs / 1000} s`, true));
  out.push(ref(TARGETS.p99Ms, COLORS.target, '2 3', `target p99 ${TARGETS.p99Ms / 1000} s`));
  out.push(ref(TARGETS.medianMs, COLORS.target, '2 3', `target median ${TARGETS.medianMs} ms`));
  for (const key of ['p50', 'p95', 'p99'] as const) {
    const path = pts.map((p, i) => `${i ? 'L' : 'M'}${xAt(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    if (pts.length > 1) out.push(el('path', { d: path, fill: 'none', stroke: COLORS[key], 'stroke-width': 2.5 }));
    pts.forEach((p, i) => {
      out.push(el('circle', { cx: xAt(i), cy: y(p[key]), r: 4.5, fill: COLORS[key] }));
      // p95 labelled on the left of its point, p50 and p99 on the right, so close values stay readable.
      const left = key === 'p95';
      out.push(
        label(xAt(i) + (left ? -8 : 8), y(p[key]) + 4, fmtMs(p[key]), {
          fill: COLORS[key],
          'font-size': 11,
          stroke: '#fff',
          'stroke-width': 3,
          'paint-order': 'stroke',
          ...(left ? { 'text-anchor': 'end' } : {}),
        }),
      );
    });
  }
  // Rally-paced: the same percentiles, dashed, open points, labels on the left.
  const paced = pts.flatMap((p, i) => (p.paced ? [{ x: xAt(i) - step * 0.18, v: p.paced }] : []));
  for (const key of ['p50', 'p95', 'p99'] as const) {
    if (paced.length > 1)
      out.push(
        el('path', {
          d: paced.map((q, i) => `${i ? 'L' : 'M'}${q.x.toFixed(1)},${y(q.v[key]).toFixed(1)}`).join(' '),
          fill: 'none',
          stroke: COLORS[key],
          'stroke-width': 1.5,
          'stroke-dasharray': '5 3',
        }),
      );
    for (const q of paced) {
      out.push(el('circle', { cx: q.x, cy: y(q.v[key]), r: 4, fill: '#fff', stroke: COLORS[key], 'stroke-width': 2 }));
      out.push(
        label(q.x - 8, y(q.v[key]) + 4, fmtMs(q.v[key]), { fill: COLORS[key], 'font-size': 10, 'text-anchor': 'end', stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke' }),
      );
    }
  }
  pts.forEach((p, i) => {
    out.push(label(xAt(i), bottom + 18, `${p.hosts.toLocaleString('en')} hosts`, { 'text-anchor': 'middle' }));
  });
  out.push(
    legend(lx0, 470 - 22, [
      { name: 'median', color: COLORS.p50 },
      { name: 'p95', color: COLORS.p95 },
      { name: 'p99', color: COLORS.p99 },
      ...(paced.length ? [{ name: 'open, dashed: paced as Rally', color: '#444', dashed: true }] : []),
      { name: 'Nova, Rally: 1,000 fake computes, concurrency 50', color: COLORS.nova, dashed: true },
      { name: 'target (issue 12)', color: COLORS.target, dashed: true },
    ]),
  );
  // Right panel: throughput bars, scheduler decision time written under each.
  const rx0 = 680;
  const rx1 = 940;
  const b = linearScale(Math.max(...pts.map((p) => p.bootsPerSec)), bottom, top, (v) => (Number.isInteger(v) ? String(v) : fmtNum(v)));
  out.push(yAxis(b, rx0, rx1, 'left', 'boots/s (boot + delete completed)'));
  out.push(el('line', { x1: rx0, x2: rx1, y1: bottom, y2: bottom, stroke: '#999' }));
  const bw = Math.min(60, ((rx1 - rx0) / pts.length) * 0.6);
  pts.forEach((p, i) => {
    const cx = rx0 + ((rx1 - rx0) / pts.length) * (i + 0.5);
    out.push(el('rect', { x: cx - bw / 2, y: b(p.bootsPerSec), width: bw, height: bottom - b(p.bootsPerSec), fill: COLORS.bars, opacity: 0.6 }));
    out.push(label(cx, b(p.bootsPerSec) - 6, fmtNum(p.bootsPerSec), { 'text-anchor': 'middle', 'font-weight': 'bold' }));
    out.push(label(cx, bottom + 18, `${p.hosts.toLocaleString('en')} hosts`, { 'text-anchor': 'middle' }));
    out.push(label(cx, bottom + 34, `scheduler ${fmtNum(p.schedulerMs)} ms`, { 'text-anchor': 'middle', fill: '#666', 'font-size': 11 }));
  });
  out.push(label((rx0 + rx1) / 2, top - 12, 'throughput', { 'text-anchor': 'middle', fill: '#444' }));
  out.push(label((lx0 + lx1) / 2, top - 12, 'latency', { 'text-anchor': 'middle', fill: '#444' }));
  if (band) out.push(...listBand(470 + 25, list, daemons));
  if (band2) out.push(...moreBand(470 + band + 25, more.decisions, more.workers));
  return svgDocument(W, H, ...out);
}
