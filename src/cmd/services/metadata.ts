import { buildMetadataApp } from '../../api/metadata/app.ts';
import { MetadataRequestHandler } from '../../api/metadata/handler.ts';
import { type MetadataNetwork, NO_NETWORK } from '../../api/metadata/network.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import { HttpServiceManager } from '../../http/manager.ts';
import type { Logger } from '../../log.ts';
import { readStaticVendorData } from '../../metadata/vendordata.ts';
import type { Transport } from '../../rpc/transport.ts';
import { Service } from '../../service/service.ts';
import { DbServiceRegistry } from '../../service/servicegroup.ts';

/**
 * nova-api-metadata: the metadata service guests read (through the network
 * service's metadata proxy) on `[api] metadata_listen_port` (8775), reading
 * instances from the database as nova-api does, registered as Nova's
 * nova-metadata. `network` finds instances by fixed IP (requests without
 * the proxy) and their security groups; none by default.
 */
export function metadataService(
  conf: NovaConfig,
  db: DbApi,
  transport: Transport,
  log: Logger,
  network: MetadataNetwork = NO_NETWORK,
): { service: Service; manager: HttpServiceManager } {
  const handler = new MetadataRequestHandler({ conf, instances: db.instances, network, staticVendorData: readStaticVendorData(conf.api.vendordata_jsonfile_path), log });
  const { metadata_listen: host, metadata_listen_port: port } = conf.api;
  const manager = new HttpServiceManager({
    app: buildMetadataApp(handler, log),
    listen: { host, port, option: '[api] metadata_listen', myIp: conf.DEFAULT.my_ip },
    title: 'Metadata API',
    log,
    details: { service_metadata_proxy: conf.neutron.service_metadata_proxy },
  });
  const service = new Service({ conf, binary: 'nova-metadata', topic: null, transport, registry: new DbServiceRegistry(db.services), manager, log });
  return { service, manager };
}
