import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Db } from '../../db/connection.ts';
import type { Authenticator } from '../../http/auth.ts';
import type { HttpServiceManager } from '../../http/manager.ts';
import type { Logger } from '../../log.ts';
import { buildNetworkApi, networkManager } from '../../network/service.ts';
import type { Transport } from '../../rpc/transport.ts';
import { LocalServiceRegistry } from '../../service/local-registry.ts';
import { Service } from '../../service/service.ts';

/**
 * nova-network: the network API (Neutron v2.0 subset) over HTTP on
 * `[neutron_server] bind_port` (9696), as a service the launcher starts and
 * stops. `db` holds the network tables (Nova's database by default); `auth`
 * decides who calls. It serves no RPC topic and stays out of Nova's
 * services table.
 */
export function networkService(conf: NovaConfig, db: Db | DbApi, transport: Transport, log: Logger, auth: Authenticator): { service: Service; manager: HttpServiceManager } {
  const conn = 'kysely' in db ? db : db.db;
  const manager = networkManager(buildNetworkApi({ conf, db: conn, auth, log }), conf, log);
  const service = new Service({ conf, binary: 'nova-network', topic: null, transport, registry: new LocalServiceRegistry(), manager, log });
  return { service, manager };
}
