import type { Db } from '../connection.ts';

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

export type { Db };
