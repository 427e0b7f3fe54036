import { DbApi } from '../db/api/index.ts';
import { openDatabase } from '../db/connection.ts';
import { requireCurrentIdentitySchema } from '../identity/db/migrate.ts';
import { MemoryTransport } from '../rpc/memory.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { identityService } from './services/identity.ts';

/**
 * nova-identity: the identity service alone. It needs only the database
 * (`[database] connection`, identity schema current: nova-manage db sync)
 * and never the message bus.
 */
main('nova-identity', async () => {
  const { conf, log } = setup('nova-identity');
  const d = conf.database;
  const conn = await openDatabase(d.connection, {
    maxPoolSize: d.max_pool_size,
    maxRetries: d.max_retries,
    retryIntervalMs: d.retry_interval * 1000,
    connectTimeoutMs: d.connect_timeout * 1000,
    log,
  });
  try {
    await requireCurrentIdentitySchema(conn);
  } catch (e) {
    await conn.close();
    throw e;
  }
  const transport = new MemoryTransport();
  const { service } = identityService(conf, new DbApi(conn), transport, log);
  await service.start();
  stopOnSignal([{ stop: () => conn.close() }, { stop: () => transport.close() }, service], log);
});
