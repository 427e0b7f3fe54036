import type { NovaConfig } from '../../conf/loader.ts';
import { ConsoleAuthManager } from '../../consoleauth/manager.ts';
import { CONSOLEAUTH_TOPIC } from '../../consoleauth/rpc-types.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';

/** nova-consoleauth: console tokens on the `consoleauth` topic, stored hashed in the database. */
export function consoleauthService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): Service {
  const manager = new ConsoleAuthManager({ conf, db, log });
  return new Service({ conf, binary: 'nova-consoleauth', topic: CONSOLEAUTH_TOPIC, transport, registry: new DbServiceRegistry(db.services), manager, log });
}
