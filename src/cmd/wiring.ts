import type { NovaConfig } from '../conf/loader.ts';
import { DbApi } from '../db/api/index.ts';
import type { Db } from '../db/connection.ts';
import { openDatabase } from '../db/connection.ts';
import { requireCurrentSchema, syncSchema } from '../db/migrate.ts';
import type { Logger } from '../log.ts';

/**
 * Connect `[database] connection`; `sync` applies Nova's migrations
 * (all-in-one), otherwise `check` (default: Nova's schema is current) must pass.
 */
export async function connectDb(conf: NovaConfig, log: Logger, opts: { sync?: boolean; check?: (db: Db) => Promise<void> } = {}): Promise<DbApi> {
  const d = conf.database;
  const db = await openDatabase(d.connection, {
    maxPoolSize: d.max_pool_size,
    maxRetries: d.max_retries,
    retryIntervalMs: d.retry_interval * 1000,
    connectTimeoutMs: d.connect_timeout * 1000,
    log,
    createDatabase: opts.sync,
  });
  try {
    if (opts.sync) await syncSchema(db);
    else await (opts.check ?? requireCurrentSchema)(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  log.debug({ database: db.description }, 'database connected');
  return new DbApi(db);
}
