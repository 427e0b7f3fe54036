import { computeRpcApi } from '../../compute/rpcapi.ts';
import { ConductorManager } from '../../conductor/manager.ts';
import { CONDUCTOR_TOPIC } from '../../conductor/rpc-types.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { schedulerRpcApi } from '../../scheduler/rpcapi.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';

/** nova-conductor: the database work of nova-compute, and reschedules. */
export function conductorService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): Service {
  const scheduler = schedulerRpcApi(transport, conf.DEFAULT.rpc_response_timeout * 1000);
  const compute = computeRpcApi(transport, conf.DEFAULT.rpc_response_timeout * 1000);
  const manager = new ConductorManager({ conf, db, scheduler, compute, log });
  return new Service({ conf, binary: 'nova-conductor', topic: CONDUCTOR_TOPIC, transport, registry: new DbServiceRegistry(db.services), manager, log });
}
