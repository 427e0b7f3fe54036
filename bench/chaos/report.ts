/** The tables a chaos run prints: one set per engine set, and a summary over them all. */
import { printTable } from '../stats.ts';
import { VIOLATION_NAMES, type Violations } from './invariants.ts';
import type { ChaosReport } from './run.ts';

/** An error's first line, shortened (a daemon that failed to start brings its whole output along). */
const firstLine = (e: string | undefined) => (e ?? '').split('\n')[0]?.slice(0, 160) ?? '';
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Every table of one run, each title naming its engines. */
export function printReport(set: string, report: ChaosReport): void {
  const on = `[${set}: ${report.engines}]`;
  printTable(
    `chaos run on ${on}`,
    ['measure', 'value'],
    [
      ['engines', report.engines],
      ['boots accepted', report.storm.accepted],
      ['boots refused', report.storm.refused],
      ['deleted', report.storm.deleted],
      ['storm time', s(report.storm.elapsedMs)],
      ['settled in', s(report.settleMs)],
      ['live servers (ACTIVE / ERROR)', `${report.census.live} (${report.census.active} / ${report.census.error})`],
      ['created but unacknowledged', report.census.unacknowledged],
      ...Object.entries(report.storm.hiccups).map(([k, n]): [string, number] => [`client saw: ${k}`, n]),
    ],
  );
  if (Object.keys(report.census.errorFaults).length)
    printTable(
      `why servers ended in ERROR ${on}`,
      ['servers', 'fault'],
      Object.entries(report.census.errorFaults).map(([m, n]) => [n, m]),
    );
  printTable(
    `faults injected ${on}`,
    ['at boot', 'fault', 'took', 'detail', 'error'],
    [...report.faults].sort((a, b) => a.atBoot - b.atBoot).map((f) => [f.atBoot, f.name, s(f.tookMs), f.detail ?? '', firstLine(f.error)]),
  );
  const v = report.violations;
  printTable(
    `invariants ${on}`,
    ['invariant', 'violations', 'first'],
    (Object.keys(VIOLATION_NAMES) as (keyof Violations)[]).map((k) => [VIOLATION_NAMES[k], v[k].length, v[k][0] ?? '']),
  );
}

export type Outcome = { set: string; report: ChaosReport } | { set: string; skipped: string } | { set: string; failed: string };

/** One line per engine set: what ran, what it took, what was found. */
export function printSummary(outcomes: readonly Outcome[]): void {
  printTable(
    'chaos summary',
    ['engines', 'accepted', 'deleted', 'storm', 'settled', 'faults', 'stuck', 'lost', 'usage mismatches', 'orphaned guests', 'other violations', 'outcome'],
    outcomes.map((o) => {
      if (!('report' in o)) return [o.set, '', '', '', '', '', '', '', '', '', '', 'skipped' in o ? o.skipped : `FAILED: ${o.failed}`];
      const { report: r } = o;
      const v = r.violations;
      const other = v.errorWithoutFault.length + v.duplicated.length + v.notDeleted.length + v.guestlessServers.length;
      const faultErrors = r.faults.filter((f) => f.error).length;
      return [
        o.set,
        r.storm.accepted,
        r.storm.deleted,
        s(r.storm.elapsedMs),
        s(r.settleMs),
        faultErrors ? `${r.faults.length} (${faultErrors} failed)` : r.faults.length,
        v.stuck.length,
        v.lost.length,
        v.usageMismatch.length,
        v.orphanedGuests.length,
        other,
        r.ok ? 'OK' : 'VIOLATIONS',
      ];
    }),
  );
}
