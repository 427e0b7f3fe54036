import { stopOnSignal } from '../service/launcher.ts';
import { superviseWorkers } from '../service/workers.ts';
import { main, setup } from './common.ts';
import { apiService } from './services/api.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-api', async () => {
  const { conf, log } = setup('nova-api');
  if (superviseWorkers({ binary: 'nova-api', option: '[DEFAULT] osapi_compute_workers', workers: conf.DEFAULT.osapi_compute_workers, conf, log })) return;
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const { service } = apiService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
