import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { networkAgentService } from './services/network-agent.ts';
import { makeTransport } from './transport.ts';

/**
 * nova-network-agent: the dataplane agent of a compute host or the network
 * node ([agent] roles), reaching nova-network over `[DEFAULT]
 * transport_url`. Needs root (bridges, namespaces, nftables).
 */
main('nova-network-agent', async () => {
  const { conf, log } = setup('nova-network-agent');
  const transport = makeTransport(conf, log);
  const service = networkAgentService(conf, transport, log);
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
