import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Db } from '../../db/connection.ts';
import type { Authenticator } from '../../http/auth.ts';
import type { HttpServiceManager } from '../../http/manager.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';
import { LocalServiceRegistry } from '../../service/local-registry.ts';
import type { Manager } from '../../service/manager.ts';
import { Service } from '../../service/service.ts';
import type { VolumeDriver } from '../../volume/driver.ts';
import { createVolumeDriver, lazyVolumeDriver } from '../../volume/driver-factory.ts';
import { buildVolumeApi, volumeManager } from '../../volume/service.ts';
import { volumeImagesFromConfig } from '../volume-images.ts';

/**
 * nova-volume: the volume API (Cinder v3 subset) over HTTP on
 * `[volume_server] bind_port` (8776) with the driver `[volume_server]
 * volume_driver` names (loaded when the service starts), as a service the
 * launcher starts and stops. `db` holds the volume tables (Nova's database
 * by default). It serves no RPC topic and stays out of Nova's services
 * table. `driver` replaces the configured one (tests).
 */
export function volumeService(
  conf: NovaConfig,
  db: Db | DbApi,
  transport: Transport,
  log: Logger,
  auth: Authenticator,
  driver?: VolumeDriver,
): { service: Service; manager: HttpServiceManager } {
  const conn = 'kysely' in db ? db : db.db;
  const api = buildVolumeApi({ conf, db: conn, auth, log, driver: driver ?? lazyVolumeDriver(() => createVolumeDriver(conf, log)), images: volumeImagesFromConfig(conf, log) });
  const http = volumeManager(api, conf, log);
  const manager: Manager = {
    endpoints: [],
    initHost: () => http.initHost(),
    periodicTasks: () => http.periodicTasks(),
    cleanup: async () => {
      await http.cleanup();
      await api.stop();
    },
  };
  const service = new Service({ conf, binary: 'nova-volume', topic: null, transport, registry: new LocalServiceRegistry(), manager, log });
  return { service, manager: http };
}
