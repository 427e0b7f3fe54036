import { randomUUID } from 'node:crypto';

/** A new Keystone-style id: a uuid4 in hex, without dashes. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Did an INSERT/UPDATE fail on a unique key (either backend)? */
export function isDuplicate(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A stored JSON value, or the fallback when it does not parse as the expected shape. */
export function parseJson<T>(text: string | null | undefined, fallback: T, ok: (v: unknown) => boolean): T {
  if (!text) return fallback;
  try {
    const v: unknown = JSON.parse(text);
    return ok(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Is it a string[]? */
export const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
/** Is it a JSON object (not null, not an array)? */
export const isPlainObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The object without its undefined values (a PATCH's changes). */
export function definedOnly<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** A boolean as stored (0/1). */
export const bit = (b: boolean): number => (b ? 1 : 0);

/** Changes with `enabled` as stored. */
export function enabledBit<T extends { enabled?: boolean }>(changes: T): Omit<T, 'enabled'> & { enabled?: number } {
  const { enabled, ...rest } = changes;
  return enabled === undefined ? rest : { ...rest, enabled: bit(enabled) };
}
