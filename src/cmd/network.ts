import { requireCurrentNetworkSchema } from '../network/db/migrate.ts';
import { MemoryTransport } from '../rpc/memory.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { authenticatorFromConfig } from './auth.ts';
import { main, setup } from './common.ts';
import { networkService } from './services/network.ts';
import { connectDb } from './wiring.ts';

/**
 * nova-network: the network service (Neutron v2.0 subset) as its own
 * daemon. Its tables live in `[database] connection` (run nova-manage db
 * sync first). It uses no message bus yet, so it gets a private in-process
 * transport.
 */
main('nova-network', async () => {
  const { conf, log } = setup('nova-network');
  const db = (await connectDb(conf, log, { check: requireCurrentNetworkSchema })).db;
  const transport = new MemoryTransport('memory://nova-network');
  const { service } = networkService(conf, db, transport, log, authenticatorFromConfig(conf, log));
  await service.start();
  stopOnSignal([{ stop: () => db.close() }, { stop: () => transport.close() }, service], log);
});
