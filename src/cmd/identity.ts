import { requireCurrentIdentitySchema } from '../identity/db/migrate.ts';
import { MemoryTransport } from '../rpc/memory.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { identityService } from './services/identity.ts';
import { connectDb } from './wiring.ts';

/**
 * nova-identity: the identity service alone. It needs only the database
 * (`[database] connection`, identity schema current: nova-manage db sync)
 * and never the message bus.
 */
main('nova-identity', async () => {
  const { conf, log } = setup('nova-identity');
  const db = await connectDb(conf, log, { check: requireCurrentIdentitySchema });
  const transport = new MemoryTransport();
  const { service } = identityService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
