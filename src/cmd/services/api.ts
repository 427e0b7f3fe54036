import { certRpcApi } from '../../cert/rpcapi.ts';
import { computeHostRpcApi } from '../../compute/host-rpcapi.ts';
import { computeRpcApi } from '../../compute/rpcapi.ts';
import { ComputeApi } from '../../compute-api/api.ts';
import { HostApi } from '../../compute-api/host-api.ts';
import { UserInstanceQuota } from '../../compute-api/quota-classes.ts';
import { conductorRpcApi } from '../../conductor/rpcapi.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import { consoleAuthRpcApi } from '../../consoleauth/rpcapi.ts';
import type { DbApi } from '../../db/api/index.ts';
import { HttpServiceManager } from '../../http/manager.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { schedulerRpcApi } from '../../scheduler/rpcapi.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';
import { buildApi } from '../build-api.ts';
import { cinderFromConfig } from '../cinder-client.ts';
import { computeImagesFromConfig, imageLookupFromConfig, snapshotImagesFromConfig } from '../clients.ts';
import { neutronFromConfig } from '../neutron-client.ts';

/** nova-api: the Compute API over HTTP, registered like any service. */
export function apiService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): { service: Service; manager: HttpServiceManager } {
  const timeoutMs = conf.DEFAULT.rpc_response_timeout * 1000;
  const quota = new UserInstanceQuota({ conf, db });
  const compute = new ComputeApi({
    conf,
    db,
    scheduler: schedulerRpcApi(transport, timeoutMs),
    compute: computeRpcApi(transport, timeoutMs),
    conductor: conductorRpcApi(transport, timeoutMs),
    log,
    quota,
    consoleauth: consoleAuthRpcApi(transport, timeoutMs),
    images: imageLookupFromConfig(conf, log),
    snapshots: snapshotImagesFromConfig(conf, log),
    network: neutronFromConfig(conf, log),
    volume: cinderFromConfig(conf, log),
  });
  const { osapi_compute_listen: host, osapi_compute_listen_port: port } = conf.api;
  const manager = new HttpServiceManager({
    app: buildApi({
      conf,
      db,
      compute,
      cert: certRpcApi(transport, timeoutMs),
      hosts: new HostApi({ conf, db, rpc: computeHostRpcApi(transport, timeoutMs) }),
      images: computeImagesFromConfig(conf, log),
      log,
    }),
    listen: { host, port, option: '[api] osapi_compute_listen', myIp: conf.DEFAULT.my_ip },
    title: 'Compute API',
    log,
  });
  const service = new Service({ conf, binary: 'nova-osapi_compute', topic: null, transport, registry: new DbServiceRegistry(db.services), manager, log });
  return { service, manager };
}
