import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { consoleProxyService } from './services/console-proxy.ts';
import { makeTransport } from './transport.ts';

main('nova-spicehtml5proxy', async () => {
  const { conf, log } = setup('nova-spicehtml5proxy');
  const transport = makeTransport(conf, log);
  const service = consoleProxyService('spice', conf, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
