/**
 * Database statements per boot, per daemon: each daemon with a database
 * logs its statement counts on SIGUSR2 (src/db/statement-stats.ts); the
 * bench asks before and after the run and takes the difference.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type StatementCounts, statementDelta } from '../src/db/statement-stats.ts';
import type { Cluster } from '../test/support/cluster.ts';

/** The daemons that open the database (a SIGUSR2 would end one without the handler). */
const WITH_DB = /^(api|conductor|scheduler-\d+)$/;

async function countsOf(d: Cluster['daemons'][number]): Promise<StatementCounts | undefined> {
  const from = d.output.length;
  d.proc.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    for (const line of d.output.slice(from)) {
      if (!line.includes('"database statements"')) continue;
      try {
        return (JSON.parse(line) as { statements: StatementCounts }).statements;
      } catch {
        // a line cut in two by the pipe: ask again below
      }
    }
  }
  return undefined;
}

export type StatementSnapshot = Map<string, StatementCounts | undefined>;

export async function statementSnapshot(cluster: Cluster): Promise<StatementSnapshot> {
  const out: StatementSnapshot = new Map();
  for (const d of cluster.daemons.filter((x) => WITH_DB.test(x.name))) out.set(d.name, await countsOf(d));
  return out;
}

export interface StatementFigures {
  daemon: string;
  per_boot: number;
  /** The kinds of statement per boot, most first (the first 12). */
  top: Record<string, number>;
}

/** Statements per boot-and-delete of each daemon between two snapshots. */
export function statementsPerBoot(before: StatementSnapshot, after: StatementSnapshot, boots: number): StatementFigures[] {
  const out: StatementFigures[] = [];
  for (const [daemon, b] of before) {
    const a = after.get(daemon);
    if (!a || !b) continue;
    const d = statementDelta(b, a);
    const top = Object.entries(d.by_kind)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 12)
      .map(([k, v]) => [k, Math.round((v / boots) * 100) / 100]);
    out.push({ daemon, per_boot: d.total / boots, top: Object.fromEntries(top) });
  }
  return out;
}
