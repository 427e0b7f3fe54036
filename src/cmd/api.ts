import { ApiManager } from '../api/service.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { Service } from '../service/service.ts';
import { DbServiceRegistry } from '../service/servicegroup.ts';
import { buildApi } from './build-api.ts';
import { main, setup } from './common.ts';
import { connectDb, makeTransport } from './wiring.ts';

main('nova-api', async () => {
  const { conf, log } = setup('nova-api');
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const app = buildApi({ conf, db, transport, log });
  const service = new Service({
    conf,
    binary: 'nova-osapi_compute',
    topic: null,
    transport,
    registry: new DbServiceRegistry(db.services),
    manager: new ApiManager(app, conf, log),
    log,
  });
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
