import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { consoleProxyService } from './services/console-proxy.ts';
import { makeTransport } from './transport.ts';

main('nova-serialproxy', async () => {
  const { conf, log } = setup('nova-serialproxy');
  const transport = makeTransport(conf, log);
  const service = consoleProxyService('serial', conf, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
