// npm run chaos [-- --boots N --concurrency C --engines proxied|private|cluster --json FILE]:
// storms a separate-process cloud while injecting faults, then checks that nothing is lost or stuck.
import fs from 'node:fs';
import { proxiedEngines } from './chaos/engines.ts';
import { VIOLATION_NAMES, type Violations } from './chaos/invariants.ts';
import { runChaos } from './chaos/run.ts';
import { printTable } from './stats.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const boots = Number(arg('boots', '300'));
const engines = await proxiedEngines();
const report = await runChaos(engines, {
  boots,
  concurrency: Number(arg('concurrency', '20')),
  deleteShare: Number(arg('delete-share', '0.3')),
  settleMs: Number(arg('settle-s', '240')) * 1000,
  faultEvery: Number(arg('fault-every', '0.08')),
  log: (l) => console.log(`# ${l}`),
}).finally(() => engines.close());

printTable(
  `chaos run on ${report.engines}`,
  ['measure', 'value'],
  [
    ['boots accepted', report.storm.accepted],
    ['boots refused', report.storm.refused],
    ['deleted', report.storm.deleted],
    ['storm time', `${(report.storm.elapsedMs / 1000).toFixed(1)} s`],
    ['settled in', `${(report.settleMs / 1000).toFixed(1)} s`],
    ['live servers (ACTIVE / ERROR)', `${report.census.live} (${report.census.active} / ${report.census.error})`],
    ['created but unacknowledged', report.census.unacknowledged],
    ...Object.entries(report.storm.hiccups).map(([k, n]): [string, number] => [`client saw: ${k}`, n]),
  ],
);
if (Object.keys(report.census.errorFaults).length)
  printTable(
    'why servers ended in ERROR',
    ['servers', 'fault'],
    Object.entries(report.census.errorFaults).map(([m, n]) => [n, m]),
  );
printTable(
  'faults injected',
  ['at boot', 'fault', 'took', 'error'],
  report.faults.map((f) => [f.atBoot, f.name, `${(f.tookMs / 1000).toFixed(1)} s`, f.error ?? '']),
);
const v = report.violations;
printTable(
  'invariants',
  ['invariant', 'violations', 'first'],
  (Object.keys(VIOLATION_NAMES) as (keyof Violations)[]).map((k) => [VIOLATION_NAMES[k], v[k].length, v[k][0] ?? '']),
);
const json = arg('json', '');
if (json) fs.writeFileSync(json, JSON.stringify(report, null, 2));
console.log(report.ok ? '\nchaos: OK' : '\nchaos: VIOLATIONS');
process.exit(report.ok ? 0 : 1);
