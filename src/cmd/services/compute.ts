import { ComputeHostManager } from '../../compute/host-manager.ts';
import { ComputeManager } from '../../compute/manager.ts';
import { COMPUTE_TOPIC } from '../../compute/rpc-types.ts';
import { computeRpcApi } from '../../compute/rpcapi.ts';
import { CONDUCTOR_METHODS, type ConductorAPI } from '../../conductor/rpc-types.ts';
import { conductorRpcApi } from '../../conductor/rpcapi.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import type { Logger } from '../../log.ts';
import { withRetries } from '../../rpc/retry.ts';
import type { Transport } from '../../rpc/transport.ts';
import { ConductorServiceRegistry } from '../../service/conductor-registry.ts';
import { withEndpoints } from '../../service/extra-endpoints.ts';
import { Service } from '../../service/service.ts';
import { driverClass, loadDriver } from '../../virt/registry.ts';
import { cinderFromConfig } from '../cinder-client.ts';
import { imageSourceFromConfig, imageUploaderFromConfig } from '../clients.ts';
import { neutronFromConfig } from '../neutron-client.ts';

/** RPC clients several compute services of one process can share (nova-compute-sim). */
export interface ComputeClients {
  conductor: ReturnType<typeof conductorRpcApi>;
  compute: ReturnType<typeof computeRpcApi>;
}

/** The RPC clients of a compute service over a transport. */
export function computeClients(conf: NovaConfig, transport: Transport): ComputeClients {
  const timeoutMs = conf.DEFAULT.rpc_response_timeout * 1000;
  return { conductor: conductorRpcApi(transport, timeoutMs), compute: computeRpcApi(transport, timeoutMs) };
}

/** nova-compute: no database, only the bus and its driver. */
export async function computeService(
  conf: NovaConfig,
  transport: Transport,
  log: Logger,
  host = conf.DEFAULT.host,
  clients: ComputeClients = computeClients(conf, transport),
): Promise<Service> {
  const { conductor, compute } = clients;
  const imageSource = driverClass(conf.DEFAULT.compute_driver).capabilities.has_imagecache ? imageSourceFromConfig(conf, log) : undefined;
  const driver = await loadDriver(conf, host, log, imageSource ? { imageSource } : {});
  // The manager's conductor calls wait out bus and database outages; the registry's start-up waits have their own loop.
  const resilient = withRetries<ConductorAPI>(conductor, CONDUCTOR_METHODS, { deadlineMs: conf.compute.conductor_retry_timeout * 1000, log, service: 'nova-conductor' });
  const network = neutronFromConfig(conf, log);
  const lifecycle = new ComputeManager({
    conf,
    host,
    driver,
    conductor: resilient,
    compute,
    images: imageUploaderFromConfig(conf, log),
    network,
    volume: cinderFromConfig(conf, log),
    log,
  });
  // The host methods (uptime, host actions, diagnostics, image pre-caching, external events) are their own endpoint.
  const manager = withEndpoints(lifecycle, [new ComputeHostManager({ host, driver, log, network, conductor: resilient }).endpoint()]);
  const registry = new ConductorServiceRegistry(conductor, conf.compute.conductor_wait_timeout * 1000, log);
  return new Service({ conf, binary: 'nova-compute', topic: COMPUTE_TOPIC, transport, registry, manager, log, host });
}
