import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { conductorService } from './services/conductor.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-conductor', async () => {
  const { conf, log } = setup('nova-conductor');
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = conductorService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
