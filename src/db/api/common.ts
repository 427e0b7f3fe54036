import type { Db } from '../connection.ts';
import { DBConnectionError, DBDeadlock } from '../outage.ts';

export const bool = (v: number | boolean | null | undefined): boolean => v === true || v === 1;

export function parseJson<T>(s: string | null | undefined, fallback: T): T {
  if (!s) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

/** Number of rows an UPDATE or DELETE touched, on either backend. */
export function affected(r: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined): number {
  return Number(r?.numUpdatedRows ?? r?.numDeletedRows ?? 0n);
}

/** Is this a unique-constraint violation (either backend)? */
export function isDuplicate(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'ER_DUP_ENTRY' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(String(err?.message));
}

/** The inserted row id (SQLite and MySQL both report it). */
export function insertedId(r: { insertId?: bigint }): number {
  return Number(r.insertId ?? 0n);
}

/** Run a transaction again when the database chose it as a deadlock victim (oslo.db's wrap_db_retry). */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = e instanceof DBConnectionError ? e.kwargs.code : undefined;
      const retriable = e instanceof DBDeadlock || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
      if (!retriable || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 10));
    }
  }
}

export type { Db };
