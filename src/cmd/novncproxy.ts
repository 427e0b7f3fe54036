import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { consoleProxyService } from './services/console-proxy.ts';
import { makeTransport } from './transport.ts';

main('nova-novncproxy', async () => {
  const { conf, log } = setup('nova-novncproxy');
  const transport = makeTransport(conf, log);
  const service = consoleProxyService('novnc', conf, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
