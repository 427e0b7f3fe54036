import { ComputeManager } from '../compute/manager.ts';
import { COMPUTE_TOPIC } from '../compute/rpc-types.ts';
import { ConductorRpcApi } from '../conductor/rpcapi.ts';
import { ConductorServiceRegistry } from '../service/conductor-registry.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { Service } from '../service/service.ts';
import { main, setup } from './common.ts';
import { makeTransport } from './wiring.ts';

// nova-compute never opens the database: everything goes through nova-conductor.
main('nova-compute', async () => {
  const { conf, log } = setup('nova-compute');
  const transport = makeTransport(conf, log);
  const conductor = new ConductorRpcApi(transport, conf.DEFAULT.rpc_response_timeout * 1000);
  const host = conf.DEFAULT.host;
  const service = new Service({
    conf,
    binary: 'nova-compute',
    topic: COMPUTE_TOPIC,
    transport,
    registry: new ConductorServiceRegistry(conductor, conf.compute.conductor_wait_timeout * 1000, log),
    manager: new ComputeManager({ conf, host, conductor, log }),
    log,
  });
  await service.start();
  stopOnSignal([{ stop: () => transport.close() }, service], log);
});
