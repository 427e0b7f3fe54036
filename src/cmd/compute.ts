import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { computeService } from './services/compute.ts';
import { makeTransport } from './transport.ts';

// nova-compute never opens the database: everything goes through nova-conductor.
main('nova-compute', async () => {
  const { conf, log } = setup('nova-compute');
  const transport = makeTransport(conf, log);
  const service = await computeService(conf, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
