/** MySQL/MariaDB pools for `[database] connection`: options, connection setup and error descriptions. */
import type { MysqlPool, MysqlQueryResult } from 'kysely';
import type { Pool, PoolOptions } from 'mysql2';
import type { Logger } from '../log.ts';
import type { DbHost, DbUrl } from './url.ts';

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

/** A failed connection attempt in words an operator can act on. */
export function describe(e: unknown, url: DbUrl): string {
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

export function poolOptions(url: Extract<DbUrl, { dialect: 'mysql' }>, opts: DbOptions, database: string | undefined, host: DbHost): PoolOptions {
  return {
    host: host.host,
    port: host.port,
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
}

export async function mysqlPool(url: Extract<DbUrl, { dialect: 'mysql' }>, opts: DbOptions, database: string | undefined, host: DbHost = url): Promise<Pool> {
  const { createPool } = await import('mysql2');
  const pool = createPool(poolOptions(url, opts, database, host));
  pool.on('connection', (conn) => {
    conn.on('error', (e: unknown) => opts.log?.error({ err: describe(e, { ...url, ...host }) }, 'database connection lost; the pool reconnects on next use'));
    conn.query("SET SESSION sql_mode = 'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO', time_zone = '+00:00'");
  });
  return pool;
}

/** Run one statement on a connection of `pool` (a mysql2 Pool or a FailoverPool). */
export function poolQuery(pool: MysqlPool, sql: string): Promise<MysqlQueryResult> {
  return new Promise((resolve, reject) =>
    pool.getConnection((err, conn) => {
      if (err) return reject(err);
      conn.query(sql, [], (e, result) => {
        conn.release();
        if (e) reject(e);
        else resolve(result);
      });
    }),
  );
}
