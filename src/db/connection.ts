import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import type { Pool, PoolOptions } from 'mysql2';
import type { Logger } from '../log.ts';
import { DBConnectionError, isConnectionError, translatingDialect } from './outage.ts';
import type { NovaDatabase } from './schema.ts';
import { type DbUrl, maskDbUrl, parseDbUrl } from './url.ts';

export type Dialect = 'sqlite' | 'mysql';

export { DBConnectionError, isConnectionError } from './outage.ts';

/** A connected database: the typed query builder plus what is needed to manage it. */
export interface Db {
  readonly kysely: Kysely<NovaDatabase>;
  readonly dialect: Dialect;
  readonly description: string;
  close(): Promise<void>;
}

export interface DbOptions {
  maxPoolSize?: number;
  /** Connection attempts at start; -1 forever. */
  maxRetries?: number;
  retryIntervalMs?: number;
  connectTimeoutMs?: number;
  log?: Logger;
  /** Create the MySQL database if it does not exist (nova-manage db sync). */
  createDatabase?: boolean;
}

function describe(e: unknown, url: DbUrl): string {
  const err = e as { code?: string; message?: string };
  if (url.dialect === 'mysql') {
    const where = url.socketPath ?? `${url.host}:${url.port}`;
    if (err.code === 'ECONNREFUSED') return `connection refused by ${where}`;
    if (err.code === 'ER_ACCESS_DENIED_ERROR') return `access denied for user '${url.user}' on ${where}`;
    if (err.code === 'ER_BAD_DB_ERROR') return `database '${url.database}' does not exist on ${where} (run nova-manage db sync)`;
    if (err.code === 'ENOTFOUND') return `unknown host ${url.host}`;
  }
  return err.message ?? String(e);
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

async function mysqlPool(url: Extract<DbUrl, { dialect: 'mysql' }>, opts: DbOptions, database: string | undefined): Promise<Pool> {
  const { createPool } = await import('mysql2');
  const poolOpts: PoolOptions = {
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    database,
    connectionLimit: opts.maxPoolSize ?? 10,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    dateStrings: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
    timezone: 'Z',
    enableKeepAlive: true,
    ...(url.socketPath ? { socketPath: url.socketPath } : {}),
  };
  const pool = createPool(poolOpts);
  pool.on('connection', (conn) => {
    conn.on('error', (e: unknown) => opts.log?.error({ err: describe(e, url) }, 'database connection lost; the pool reconnects on next use'));
    conn.query("SET SESSION sql_mode = 'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO', time_zone = '+00:00'");
  });
  return pool;
}

async function ping(pool: Pool): Promise<void> {
  await new Promise<void>((resolve, reject) => pool.query('SELECT 1', (err) => (err ? reject(err) : resolve())));
}

/**
 * Connect to `[database] connection`. MySQL: retries at start (max_retries,
 * retry_interval) with one log line per miss, then fails with a clear
 * DBConnectionError. Afterwards the pool replaces lost connections itself.
 */
export async function openDatabase(connection: string, opts: DbOptions = {}): Promise<Db> {
  const url = parseDbUrl(connection);
  const description = maskDbUrl(connection);
  if (url.dialect === 'sqlite') {
    try {
      const kysely = await openSqlite(url);
      return { kysely, dialect: 'sqlite', description, close: () => kysely.destroy() };
    } catch (e) {
      throw new DBConnectionError(`[database] connection: cannot open ${url.path}: ${(e as Error).message}`);
    }
  }
  if (opts.createDatabase) {
    const admin = await mysqlPool(url, { ...opts, maxPoolSize: 1 }, undefined);
    try {
      await new Promise<void>((resolve, reject) =>
        admin.query(`CREATE DATABASE IF NOT EXISTS \`${url.database.replace(/`/g, '')}\` CHARACTER SET utf8mb4`, (err) => (err ? reject(err) : resolve())),
      );
    } catch (e) {
      opts.log?.warn({ err: describe(e, url) }, 'could not create the database; assuming it exists');
    } finally {
      await new Promise<void>((r) => admin.end(() => r()));
    }
  }
  const pool = await mysqlPool(url, opts, url.database);
  const maxRetries = opts.maxRetries ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await ping(pool);
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
