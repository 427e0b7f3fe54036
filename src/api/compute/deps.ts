import type { HostApi } from '../../compute-api/host-api.ts';
import type { ComputeImages } from '../../compute-api/images.ts';
import type { NovaConfig } from '../../conf/loader.ts';
import type { DbApi } from '../../db/api/index.ts';
import type { Logger } from '../../log.ts';

/** What the Compute API resources need. nova-api has the database and the bus (through the compute API façade). */
export interface ApiDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly log: Logger;
  /** The compute hosts over the bus (os-hosts, hypervisor uptime, diagnostics, events, image pre-caching); absent without a bus. */
  readonly hosts?: HostApi;
  /** The image service as the caller (the /images proxy, image pre-caching); absent without one. */
  readonly images?: ComputeImages;
}
