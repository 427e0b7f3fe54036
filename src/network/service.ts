import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import type { Db } from '../db/connection.ts';
import type { Authenticator } from '../http/auth.ts';
import { HttpServiceManager } from '../http/manager.ts';
import type { Logger } from '../log.ts';
import { buildNetworkApp } from './app.ts';
import { ResourceStore } from './db/store.ts';
import { NovaNotifier, type SendNovaEvents } from './nova-notifier.ts';
import { networkRoutes } from './routes.ts';

/** The network API app over a database, as nova-network runs it. */
export function buildNetworkApi(opts: { conf: NovaConfig; db: Db; auth: Authenticator; log: Logger; sendNovaEvents?: SendNovaEvents | undefined }): {
  app: FastifyInstance;
  store: ResourceStore;
  nova: NovaNotifier | undefined;
} {
  const store = ResourceStore.of(opts.db);
  const c = opts.conf.neutron_server;
  const nova =
    opts.sendNovaEvents && c.notify_nova_on_port_data_changes
      ? new NovaNotifier({ store, send: opts.sendNovaEvents, intervalS: c.send_events_interval, warn: (msg, err) => opts.log.warn({ err }, msg) })
      : undefined;
  const deps = { store, conf: c, log: opts.log, nova };
  const app = buildNetworkApp({ routes: networkRoutes(deps), auth: opts.auth, log: opts.log, publicUrl: opts.conf.neutron_server.network_link_prefix });
  return { app, store, nova };
}

/** nova-network as a service manager: the HTTP listener on `[neutron_server] bind_host`:`bind_port`. */
export function networkManager(api: { app: FastifyInstance }, conf: NovaConfig, log: Logger): HttpServiceManager {
  const { bind_host: host, bind_port: port } = conf.neutron_server;
  return new HttpServiceManager({ app: api.app, listen: { host, port, option: '[neutron_server] bind_host', myIp: conf.DEFAULT.my_ip }, title: 'Network API', log });
}
