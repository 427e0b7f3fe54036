import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { xvpVncProxyService } from './services/xvpvnc-proxy.ts';
import { makeTransport } from './transport.ts';

main('nova-xvpvncproxy', async () => {
  const { conf, log } = setup('nova-xvpvncproxy');
  const transport = makeTransport(conf, log);
  const service = xvpVncProxyService(conf, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
