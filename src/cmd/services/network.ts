import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Db } from '../../db/connection.ts';
import type { Authenticator } from '../../http/auth.ts';
import type { HttpServiceManager } from '../../http/manager.ts';
import type { Logger } from '../../log.ts';
import { networkPlugin } from '../../network/plugin.ts';
import { NETWORK_PLUGIN_METHODS, NETWORK_PLUGIN_RPC_VERSION, NETWORK_PLUGIN_TOPIC, type NetworkPluginAPI } from '../../network/rpc-types.ts';
import { buildNetworkApi, networkManager } from '../../network/service.ts';
import { methodsOf } from '../../rpc/server.ts';
import type { Transport } from '../../rpc/transport.ts';
import { LocalServiceRegistry } from '../../service/local-registry.ts';
import type { Manager } from '../../service/manager.ts';
import { Service } from '../../service/service.ts';
import { novaEventsFromConfig } from '../nova-events.ts';

/**
 * nova-network: the network API (Neutron v2.0 subset) over HTTP on
 * `[neutron_server] bind_port` (9696), and the agents' RPC API on the
 * `q-plugin` topic of `transport` (their reports and the state they build
 * from), as a service the launcher starts and stops. `db` holds the network
 * tables (Nova's database by default); `auth` decides who calls. It stays
 * out of Nova's services table.
 */
export function networkService(conf: NovaConfig, db: Db | DbApi, transport: Transport, log: Logger, auth: Authenticator): { service: Service; manager: HttpServiceManager } {
  const conn = 'kysely' in db ? db : db.db;
  const api = buildNetworkApi({ conf, db: conn, auth, log, sendNovaEvents: novaEventsFromConfig(conf, log) });
  const http = networkManager(api, conf, log);
  const plugin = networkPlugin({ store: api.store, conf: conf.neutron_server, log });
  const manager: Manager = {
    endpoints: [{ version: NETWORK_PLUGIN_RPC_VERSION, methods: methodsOf<NetworkPluginAPI>(plugin, NETWORK_PLUGIN_METHODS) }],
    initHost: () => http.initHost(),
    periodicTasks: () => http.periodicTasks(),
    cleanup: async () => {
      await http.cleanup();
      await api.nova?.flush();
    },
  };
  const service = new Service({ conf, binary: 'nova-network', topic: NETWORK_PLUGIN_TOPIC, transport, registry: new LocalServiceRegistry(), manager, log });
  return { service, manager: http };
}
