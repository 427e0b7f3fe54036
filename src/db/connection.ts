import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, MysqlDialect, type MysqlPool, SqliteDialect } from 'kysely';
import { FailoverPool } from './failover-pool.ts';
import { type DbOptions, describe, mysqlPool, poolQuery } from './mysql.ts';
import { DBConnectionError, isConnectionError, translatingDialect } from './outage.ts';
import type { NovaDatabase } from './schema.ts';
import { reportStatementsOnSignal } from './statement-stats.ts';
import { type DbUrl, maskDbUrl, parseDbUrl } from './url.ts';

export type Dialect = 'sqlite' | 'mysql';

export type { DbOptions } from './mysql.ts';
export { DBConnectionError, isConnectionError } from './outage.ts';

/** A connected database: the typed query builder plus what is needed to manage it. */
export interface Db {
  readonly kysely: Kysely<NovaDatabase>;
  readonly dialect: Dialect;
  readonly description: string;
  close(): Promise<void>;
}

async function openSqlite(url: Extract<DbUrl, { dialect: 'sqlite' }>): Promise<Kysely<NovaDatabase>> {
  const { default: Database } = await import('better-sqlite3');
  if (url.path !== ':memory:') fs.mkdirSync(path.dirname(url.path), { recursive: true });
  const sqlite = new Database(url.path, { timeout: 10_000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // MySQL has REGEXP; give SQLite the same operator (X REGEXP Y calls regexp(Y, X)).
  const cache = new Map<string, RegExp | null>();
  sqlite.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
    if (value === null || value === undefined) return 0;
    const p = String(pattern);
    let re = cache.get(p);
    if (re === undefined) {
      try {
        re = new RegExp(p);
      } catch {
        re = null;
      }
      cache.set(p, re);
    }
    return re?.test(String(value)) ? 1 : 0;
  });
  // Kysely prepares every query anew; keep prepared statements by SQL text (a bounded cache).
  const statements = new Map<string, ReturnType<typeof sqlite.prepare>>();
  const database = {
    close: () => sqlite.close(),
    prepare(text: string) {
      let st = statements.get(text);
      if (!st) {
        st = sqlite.prepare(text);
        if (statements.size >= 500) statements.delete(statements.keys().next().value as string);
        statements.set(text, st);
      }
      return st;
    },
  };
  return new Kysely<NovaDatabase>({ dialect: translatingDialect(new SqliteDialect({ database })) });
}

/**
 * Connect to `[database] connection`. MySQL: retries at start (max_retries,
 * retry_interval) with one log line per miss, then fails with a clear
 * DBConnectionError. Afterwards the pool replaces lost connections itself.
 * Several servers in the URL: a FailoverPool (one server in use at a time,
 * the next when it fails).
 */
export async function openDatabase(connection: string, opts: DbOptions = {}): Promise<Db> {
  const url = parseDbUrl(connection);
  if (opts.log) reportStatementsOnSignal(opts.log);
  const description = maskDbUrl(connection);
  if (url.dialect === 'sqlite') {
    try {
      const kysely = await openSqlite(url);
      return { kysely, dialect: 'sqlite', description, close: () => kysely.destroy() };
    } catch (e) {
      throw new DBConnectionError(`[database] connection: cannot open ${url.path}: ${(e as Error).message}`);
    }
  }
  const several = url.hosts.length > 1;
  const makePool = async (database: string | undefined, o: DbOptions): Promise<MysqlPool> => (several ? new FailoverPool(url, o, database) : mysqlPool(url, o, database));
  if (opts.createDatabase) {
    const admin = await makePool(undefined, { ...opts, maxPoolSize: 1 });
    try {
      await poolQuery(admin, `CREATE DATABASE IF NOT EXISTS \`${url.database.replace(/`/g, '')}\` CHARACTER SET utf8mb4`);
    } catch (e) {
      opts.log?.warn({ err: describe(e, url) }, 'could not create the database; assuming it exists');
    } finally {
      await new Promise<void>((r) => admin.end(() => r()));
    }
  }
  const pool = await makePool(url.database, opts);
  const maxRetries = opts.maxRetries ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await poolQuery(pool, 'SELECT 1');
      break;
    } catch (e) {
      const reason = describe(e, url);
      const fatal = !isConnectionError(e);
      if (fatal || (maxRetries >= 0 && attempt > maxRetries)) {
        await new Promise<void>((r) => pool.end(() => r()));
        throw new DBConnectionError(`[database] connection: cannot connect to ${description}: ${reason}`);
      }
      opts.log?.error({ attempt, err: reason }, 'database unreachable; retrying');
      await sleep(opts.retryIntervalMs ?? 2000);
    }
  }
  const kysely = new Kysely<NovaDatabase>({ dialect: translatingDialect(new MysqlDialect({ pool })) });
  return { kysely, dialect: 'mysql', description, close: () => kysely.destroy() };
}
