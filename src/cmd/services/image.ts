import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Db } from '../../db/connection.ts';
import type { Authenticator } from '../../http/auth.ts';
import type { HttpServiceManager } from '../../http/manager.ts';
import { buildImageApi, imageManager } from '../../image/service.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { LocalServiceRegistry } from '../../service/local-registry.ts';
import { Service } from '../../service/service.ts';

/**
 * nova-image: the image API (Glance v2 subset) over HTTP on `[glance_api]
 * bind_port` (9292), as a service the launcher starts and stops. `db` is the
 * database holding the image tables (Nova's by default); `auth` decides who
 * calls (NoAuth2 now, Keystone later). It serves no RPC topic and stays out
 * of Nova's services table.
 */
export function imageService(conf: NovaConfig, db: Db | DbApi, transport: Transport, log: Logger, auth: Authenticator): { service: Service; manager: HttpServiceManager } {
  const conn = 'kysely' in db ? db : db.db;
  const manager = imageManager(buildImageApi({ conf, db: conn, auth, log }), conf, log);
  const service = new Service({ conf, binary: 'nova-image', topic: null, transport, registry: new LocalServiceRegistry(), manager, log });
  return { service, manager };
}
