import { randomUUID } from 'node:crypto';
import { errorCode } from '../../util/error-code.ts';

/** A new Keystone-style id: a uuid4 in hex, without dashes. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Did an INSERT/UPDATE fail on a unique key (either backend)? */
export function isDuplicate(e: unknown): boolean {
  const code = errorCode(e) ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A stored JSON value, or the fallback when it does not parse as the expected shape. */
export function parseJson<T>(text: string | null | undefined, fallback: T, ok: (v: unknown) => v is T): T {
  if (!text) return fallback;
  try {
    const v: unknown = JSON.parse(text);
    return ok(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

/** Any value but undefined: `T & Defined` is T without undefined (what `v !== undefined` narrows to). */
type Defined = NonNullable<unknown> | null;

/** The object without its undefined values (a PATCH's changes). */
export function definedOnly<T extends object>(o: T): { [K in keyof T]?: T[K] & Defined } {
  const out: { [K in keyof T]?: T[K] & Defined } = {};
  for (const key in o) {
    if (!Object.hasOwn(o, key)) continue;
    const v = o[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** A boolean as stored (0/1). */
export const bit = (b: boolean): number => (b ? 1 : 0);

/** Changes with `enabled` as stored. */
export function enabledBit<T extends { enabled?: boolean }>(changes: T): Omit<T, 'enabled'> & { enabled?: number } {
  const { enabled, ...rest } = changes;
  return enabled === undefined ? rest : { ...rest, enabled: bit(enabled) };
}
