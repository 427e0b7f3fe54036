/**
 * Database failures in Nova's terms (oslo.db's exception filters): a lost or
 * refused connection, a server shutting down, a Galera node that is not
 * ready, SQLite's busy lock — all DBConnectionError (503, retried by whoever
 * can retry); a deadlock (or a Galera certification conflict) DBDeadlock.
 * The translation wraps the Kysely dialect, so every query of every
 * repository goes through it.
 */
import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { NovaError, registerErrors } from '../exception/base.ts';
import { countStatement } from './statement-stats.ts';

/** The database could not be reached (or is not ready to serve). */
export class DBConnectionError extends NovaError {
  override readonly status = 503;
}

/** A deadlock or a Galera certification failure: the transaction may be retried. */
export class DBDeadlock extends NovaError {
  override readonly status = 409;
}

registerErrors(DBConnectionError, DBDeadlock);

/** Errors of the socket or of mysql2 that mean "no usable connection". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_NORMAL_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  // Galera: "WSREP has not yet prepared node for application use" (errno 1047).
  'ER_UNKNOWN_COM_ERROR',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

const DEADLOCK_CODES = new Set(['ER_LOCK_DEADLOCK']);

function codeOf(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object' || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

/** Is this a failure to reach the database (as opposed to a bad query)? */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof DBConnectionError) return true;
  const code = codeOf(e);
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  // mysql2 marks errors that killed the connection as fatal.
  return e !== null && typeof e === 'object' && 'fatal' in e && e.fatal === true;
}

/** The error a repository's caller sees for a driver error. */
export function translateDbError(e: unknown): unknown {
  if (e instanceof NovaError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (isConnectionError(e)) return new DBConnectionError(`The database is unavailable: ${codeOf(e) ?? message}`, { code: codeOf(e) ?? null });
  const code = codeOf(e);
  if (code !== undefined && DEADLOCK_CODES.has(code)) return new DBDeadlock(`Database deadlock: ${message}`);
  return e;
}

/** A driver whose every failure goes through {@link translateDbError}. */
class TranslatingDriver implements Driver {
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly driver: Driver) {}

  private unwrap(c: DatabaseConnection): DatabaseConnection {
    return this.inner.get(c) ?? c;
  }

  async init(): Promise<void> {
    await this.driver.init().catch((e: unknown) => Promise.reject(translateDbError(e)));
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const c = await this.driver.acquireConnection().catch((e: unknown) => Promise.reject(translateDbError(e)));
    const wrapped: DatabaseConnection = {
      executeQuery: <R>(q: Parameters<DatabaseConnection['executeQuery']>[0]): Promise<QueryResult<R>> => {
        countStatement(q.sql);
        return c.executeQuery<R>(q).catch((e: unknown) => Promise.reject(translateDbError(e)));
      },
      streamQuery: (q, chunkSize) => c.streamQuery(q, chunkSize),
    };
    this.inner.set(wrapped, c);
    return wrapped;
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    countStatement('begin', true);
    return this.driver.beginTransaction(this.unwrap(c), settings).catch((e: unknown) => Promise.reject(translateDbError(e)));
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    countStatement('commit', true);
    return this.driver.commitTransaction(this.unwrap(c)).catch((e: unknown) => Promise.reject(translateDbError(e)));
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    countStatement('rollback', true);
    return this.driver.rollbackTransaction(this.unwrap(c)).catch((e: unknown) => Promise.reject(translateDbError(e)));
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.unwrap(c));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/** `dialect` with database errors translated (DBConnectionError, DBDeadlock). */
export function translatingDialect(dialect: Dialect): Dialect {
  return {
    createDriver: () => new TranslatingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
