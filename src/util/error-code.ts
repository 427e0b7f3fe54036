/**
 * The `code` of a caught value, when it has a string one: Node's errno codes
 * (ENOENT, ECONNRESET…), MySQL's (ER_DUP_ENTRY) and SQLite's
 * (SQLITE_CONSTRAINT_UNIQUE). Undefined for anything else, null included.
 */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}
