import { ApiManager } from '../api/service.ts';
import { ComputeApi } from '../compute/api.ts';
import { ComputeManager } from '../compute/manager.ts';
import { COMPUTE_TOPIC } from '../compute/rpc-types.ts';
import { ComputeRpcApi } from '../compute/rpcapi.ts';
import { ConductorManager } from '../conductor/manager.ts';
import { CONDUCTOR_TOPIC } from '../conductor/rpc-types.ts';
import { ConductorRpcApi } from '../conductor/rpcapi.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { DbApi } from '../db/api/index.ts';
import type { Logger } from '../log.ts';
import type { Transport } from '../rpc/transport.ts';
import { SchedulerManager } from '../scheduler/manager.ts';
import { SCHEDULER_TOPIC } from '../scheduler/rpc-types.ts';
import { SchedulerRpcApi } from '../scheduler/rpcapi.ts';
import { ConductorServiceRegistry } from '../service/conductor-registry.ts';
import { Service } from '../service/service.ts';
import { DbServiceRegistry } from '../service/servicegroup.ts';
import { loadDriver } from '../virt/registry.ts';
import { buildApi } from './build-api.ts';

/** The wiring of each daemon: concrete classes are chosen here and nowhere else. */

const timeoutMs = (conf: NovaConfig) => conf.DEFAULT.rpc_response_timeout * 1000;

export function conductorService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): Service {
  const scheduler = new SchedulerRpcApi(transport, timeoutMs(conf));
  const manager = new ConductorManager({ conf, db, scheduler, log });
  return new Service({ conf, binary: 'nova-conductor', topic: CONDUCTOR_TOPIC, transport, registry: new DbServiceRegistry(db.services), manager, log });
}

export function schedulerService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): Service {
  const compute = new ComputeRpcApi(transport, timeoutMs(conf));
  const manager = new SchedulerManager({ conf, db, compute, log });
  return new Service({ conf, binary: 'nova-scheduler', topic: SCHEDULER_TOPIC, transport, registry: new DbServiceRegistry(db.services), manager, log });
}

/** nova-compute: no database, only the bus and its driver. */
export async function computeService(conf: NovaConfig, transport: Transport, log: Logger, host = conf.DEFAULT.host): Promise<Service> {
  const conductor = ConductorRpcApi.create(transport, timeoutMs(conf));
  const driver = await loadDriver(conf, host, log);
  const manager = new ComputeManager({ conf, host, driver, conductor, log });
  const registry = new ConductorServiceRegistry(conductor, conf.compute.conductor_wait_timeout * 1000, log);
  return new Service({ conf, binary: 'nova-compute', topic: COMPUTE_TOPIC, transport, registry, manager, log, host });
}

export function apiService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): { service: Service; manager: ApiManager } {
  const compute = new ComputeApi({ conf, db, scheduler: new SchedulerRpcApi(transport, timeoutMs(conf)), compute: new ComputeRpcApi(transport, timeoutMs(conf)), log });
  const manager = new ApiManager(buildApi({ conf, db, compute, log }), conf, log);
  const service = new Service({ conf, binary: 'nova-osapi_compute', topic: null, transport, registry: new DbServiceRegistry(db.services), manager, log });
  return { service, manager };
}
