import { CertManager } from '../../cert/manager.ts';
import { CERT_TOPIC } from '../../cert/rpc-types.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';

/** nova-cert: the x509 CA on the `cert` topic (its key stays under $state_path/CA on this host). */
export function certService(conf: NovaConfig, db: DbApi, transport: Transport, log: Logger): Service {
  const manager = new CertManager({ conf, log });
  return new Service({ conf, binary: 'nova-cert', topic: CERT_TOPIC, transport, registry: new DbServiceRegistry(db.services), manager, log });
}
