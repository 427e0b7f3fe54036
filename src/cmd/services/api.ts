import { ApiManager } from '../../api/service.ts';
import { CertRpcApi } from '../../cert/rpcapi.ts';
import { ComputeApi } from '../../compute-api/api.ts';
import { InstanceQuota } from '../../compute-api/quota.ts';
import { ComputeRpcApi } from '../../compute/rpcapi.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import { ConsoleAuthRpcApi } from '../../consoleauth/rpcapi.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { SchedulerRpcApi } from '../../scheduler/rpcapi.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';
import { buildApi } from '../build-api.ts';
import { imageLookupFromConfig } from '../images.ts';

/** nova-api: the Compute API over HTTP, registered like any service. */
export function apiService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): { service: Service; manager: ApiManager } {
  const timeoutMs = conf.DEFAULT.rpc_response_timeout * 1000;
  const quota = new InstanceQuota({ conf, db });
  const compute = new ComputeApi({
    conf,
    db,
    scheduler: new SchedulerRpcApi(transport, timeoutMs),
    compute: new ComputeRpcApi(transport, timeoutMs),
    log,
    quota,
    consoleauth: new ConsoleAuthRpcApi(transport, timeoutMs),
    images: imageLookupFromConfig(conf, log),
  });
  const manager = new ApiManager(buildApi({ conf, db, compute, cert: new CertRpcApi(transport, timeoutMs), log }), conf, log);
  const service = new Service({ conf, binary: 'nova-osapi_compute', topic: null, transport, registry: new DbServiceRegistry(db.services), manager, log });
  return { service, manager };
}
