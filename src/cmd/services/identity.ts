import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { HttpServiceManager } from '../../http/manager.ts';
import { createIdentityApp } from '../../identity/routes.ts';
import { identityManager } from '../../identity/service.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { LocalServiceRegistry } from '../../service/local-registry.ts';
import { Service } from '../../service/service.ts';

/**
 * nova-identity: the identity API (a Keystone v3 subset) over HTTP on
 * [identity] listen:listen_port, run as a service. Its tables live in the
 * database of `db`; it uses no message bus (the transport only satisfies the
 * service framework) and keeps out of Nova's services table.
 */
export function identityService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): { service: Service; manager: HttpServiceManager } {
  const { app, tokens } = createIdentityApp(conf, db.db, log);
  const manager = identityManager(app, conf, tokens, log);
  const service = new Service({ conf, binary: 'nova-identity', topic: null, transport, registry: new LocalServiceRegistry(), manager, log });
  return { service, manager };
}
