import { SchedulerManager } from '../scheduler/manager.ts';
import { SCHEDULER_TOPIC } from '../scheduler/rpc-types.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { Service } from '../service/service.ts';
import { DbServiceRegistry } from '../service/servicegroup.ts';
import { main, setup } from './common.ts';
import { connectDb, makeTransport } from './wiring.ts';

main('nova-scheduler', async () => {
  const { conf, log } = setup('nova-scheduler');
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = new Service({
    conf,
    binary: 'nova-scheduler',
    topic: SCHEDULER_TOPIC,
    transport,
    registry: new DbServiceRegistry(db.services),
    manager: new SchedulerManager({ conf, db, transport, log }),
    log,
  });
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
