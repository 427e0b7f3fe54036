/**
 * How many statements this process sent to the database, by kind and table
 * ("select instances", "update compute_nodes", "begin", …): counted by the
 * driver every repository goes through (outage.ts), read with
 * {@link statementCounts}. A daemon logs them ("database statements", one
 * JSON line) on SIGUSR2, so a benchmark can take the difference over a run.
 */
import type { Logger } from '../log.ts';

const counts = new Map<string, number>();
let total = 0;

const TABLE = /^\s*(?:(update)|(select|insert|delete|replace|with)\b[\s\S]*?\b(?:from|into))\s+[`"]?(\w+)/i;

/** "select instances" for a SELECT … FROM instances, the first word otherwise ("begin", "set", "commit"). */
export function statementKind(text: string): string {
  const head = text.slice(0, 400);
  const m = TABLE.exec(head);
  if (m) return `${(m[1] ?? (m[2] as string)).toLowerCase()} ${m[3]}`;
  return (/^\s*(\w+)/.exec(head)?.[1] ?? '?').toLowerCase();
}

/** Kinds by SQL text: the query builder sends the same few hundred texts again and again. */
const kinds = new Map<string, string>();

function kindOf(text: string): string {
  let kind = kinds.get(text);
  if (kind === undefined) {
    kind = statementKind(text);
    if (kinds.size >= 2000) kinds.clear();
    kinds.set(text, kind);
  }
  return kind;
}

export function countStatement(kindOrText: string, isKind = false): void {
  const kind = isKind ? kindOrText : kindOf(kindOrText);
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
  total++;
}

export interface StatementCounts {
  total: number;
  by_kind: Record<string, number>;
}

export function statementCounts(): StatementCounts {
  return { total, by_kind: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])) };
}

/** `b` minus `a`, kinds that did not change left out. */
export function statementDelta(a: StatementCounts, b: StatementCounts): StatementCounts {
  const by_kind: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.by_kind)) {
    const d = v - (a.by_kind[k] ?? 0);
    if (d) by_kind[k] = d;
  }
  return { total: b.total - a.total, by_kind };
}

let reporting = false;

/** Log the counts on SIGUSR2 (once per process, however many databases it opens). */
export function reportStatementsOnSignal(log: Logger): void {
  if (reporting) return;
  reporting = true;
  process.on('SIGUSR2', () => log.info({ statements: statementCounts() }, 'database statements'));
}
