import type { NovaConfig } from '../conf/loader.ts';
import { DbApi } from '../db/api/index.ts';
import type { Db } from '../db/connection.ts';
import { openDatabase } from '../db/connection.ts';
import { requireCurrentSchema, syncSchema } from '../db/migrate.ts';
import { DBConnectionError } from '../db/outage.ts';
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
  // The server may go away between the connect and the schema check (a restart): retried as the connect is ([database] max_retries, retry_interval).
  for (let attempt = 1; ; attempt++) {
    try {
      if (opts.sync) await syncSchema(db);
      else await (opts.check ?? requireCurrentSchema)(db);
      break;
    } catch (e) {
      if (!(e instanceof DBConnectionError) || (d.max_retries >= 0 && attempt > d.max_retries)) {
        await db.close();
        throw e;
      }
      log.warn({ attempt, err: e.message }, 'database unavailable while checking its schema; retrying');
      await new Promise((r) => setTimeout(r, d.retry_interval * 1000));
    }
  }
  log.debug({ database: db.description }, 'database connected');
  return new DbApi(db);
}
