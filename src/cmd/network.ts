import { requireCurrentNetworkSchema } from '../network/db/migrate.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { authenticatorFromConfig } from './auth.ts';
import { main, setup } from './common.ts';
import { networkService } from './services/network.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

/**
 * nova-network: the network service (Neutron v2.0 subset) as its own
 * daemon. Its tables live in `[database] connection` (run nova-manage db
 * sync first). Its agents reach it over `[DEFAULT] transport_url` (topic
 * q-plugin).
 */
main('nova-network', async () => {
  const { conf, log } = setup('nova-network');
  const db = (await connectDb(conf, log, { check: requireCurrentNetworkSchema })).db;
  const transport = makeTransport(conf, log);
  const { service } = networkService(conf, db, transport, log, authenticatorFromConfig(conf, log));
  await service.start();
  stopOnSignal([{ stop: () => db.close() }, { stop: () => transport.close() }, service], log);
});
