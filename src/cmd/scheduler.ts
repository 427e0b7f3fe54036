import { stopOnSignal } from '../service/launcher.ts';
import { superviseWorkers } from '../service/workers.ts';
import { main, setup } from './common.ts';
import { schedulerService } from './services/scheduler.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-scheduler', async () => {
  const { conf, log } = setup('nova-scheduler');
  if (superviseWorkers({ binary: 'nova-scheduler', option: '[scheduler] workers', workers: conf.scheduler.workers, conf, log })) return;
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = schedulerService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
