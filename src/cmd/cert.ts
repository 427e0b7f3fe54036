import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { certService } from './services/cert.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-cert', async () => {
  const { conf, log } = setup('nova-cert');
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = certService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
