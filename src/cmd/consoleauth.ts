import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { consoleauthService } from './services/consoleauth.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

main('nova-consoleauth', async () => {
  const { conf, log } = setup('nova-consoleauth');
  const db = await connectDb(conf, log);
  const transport = makeTransport(conf, log);
  const service = consoleauthService(conf, db, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => db.db.close() }, { stop: () => transport.close() }, service], log);
});
