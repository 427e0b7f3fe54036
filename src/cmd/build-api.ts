import type { FastifyInstance } from 'fastify';
import { buildApiApp } from '../api/app.ts';
import { COLLECTIONS, computeRoutes } from '../api/compute/routes.ts';
import type { CertAPI } from '../cert/rpc-types.ts';
import type { ComputeApi } from '../compute-api/api.ts';
import type { HostApi } from '../compute-api/host-api.ts';
import type { ComputeImages } from '../compute-api/images.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { DbApi } from '../db/api/index.ts';
import { readTls } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import { authenticatorFromConfig } from './auth.ts';

export interface ApiWiring {
  conf: NovaConfig;
  db: DbApi;
  compute?: ComputeApi;
  /** nova-cert, for os-certificates. */
  cert?: CertAPI;
  /** The compute hosts over the bus (os-hosts, uptime, diagnostics, events, image caching). */
  hosts?: HostApi;
  /** The image service as the caller (/images proxy, image pre-caching). */
  images?: ComputeImages;
  log: Logger;
}

/** Wire the Compute API app: routes, authentication. */
export function buildApi(w: ApiWiring): FastifyInstance {
  return buildApiApp({
    routes: computeRoutes({ conf: w.conf, db: w.db, log: w.log, ...(w.hosts ? { hosts: w.hosts } : {}), ...(w.images ? { images: w.images } : {}) }, w.compute, w.cert),
    auth: authenticatorFromConfig(w.conf, w.log),
    log: w.log,
    linkPrefix: w.conf.api.compute_link_prefix,
    collections: COLLECTIONS,
    tls: readTls(w.conf.wsgi.ssl_cert_file, w.conf.wsgi.ssl_key_file, '[wsgi] ssl_cert_file', '[wsgi] ssl_key_file'),
  });
}
