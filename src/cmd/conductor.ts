import { stopOnSignal } from '../service/launcher.ts';
import { superviseWorkers } from '../service/workers.ts';
import { main, setup } from './common.ts';
import { conductorService } from './services/conductor.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-conductor', async () => {
  const { conf, log } = setup('nova-conductor');
  if (superviseWorkers({ binary: 'nova-conductor', option: '[conductor] workers', workers: conf.conductor.workers, conf, log })) return;
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = conductorService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
