import { stopOnSignal } from '../service/launcher.ts';
import { superviseWorkers } from '../service/workers.ts';
import { main, setup } from './common.ts';
import { metadataService } from './services/metadata.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-api-metadata', async () => {
  const { conf, log } = setup('nova-api-metadata');
  if (superviseWorkers({ binary: 'nova-api-metadata', option: '[DEFAULT] metadata_workers', workers: conf.DEFAULT.metadata_workers, conf, log })) return;
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const { service } = metadataService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
