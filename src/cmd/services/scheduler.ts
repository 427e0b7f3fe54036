import { computeRpcApi } from '../../compute/rpcapi.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { SchedulerManager } from '../../scheduler/manager.ts';
import { SCHEDULER_TOPIC } from '../../scheduler/rpc-types.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';

/** nova-scheduler: filters, weighers, claims. */
export function schedulerService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): Service {
  const compute = computeRpcApi(transport, conf.DEFAULT.rpc_response_timeout * 1000);
  const manager = new SchedulerManager({ conf, db, compute, log });
  return new Service({ conf, binary: 'nova-scheduler', topic: SCHEDULER_TOPIC, transport, registry: new DbServiceRegistry(db.services), manager, log });
}
