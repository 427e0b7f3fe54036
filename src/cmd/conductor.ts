import { ConductorManager } from '../conductor/manager.ts';
import { CONDUCTOR_TOPIC } from '../conductor/rpc-types.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { Service } from '../service/service.ts';
import { DbServiceRegistry } from '../service/servicegroup.ts';
import { main, setup } from './common.ts';
import { connectDb, makeTransport } from './wiring.ts';

main('nova-conductor', async () => {
  const { conf, log } = setup('nova-conductor');
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = new Service({
    conf,
    binary: 'nova-conductor',
    topic: CONDUCTOR_TOPIC,
    transport,
    registry: new DbServiceRegistry(db.services),
    manager: new ConductorManager(db, log),
    log,
  });
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
