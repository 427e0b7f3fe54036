import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import type { Db } from '../db/connection.ts';
import type { Authenticator } from '../http/auth.ts';
import { HttpServiceManager } from '../http/manager.ts';
import type { Logger } from '../log.ts';
import { buildImageApp } from './app.ts';
import { ImageRepository } from './db/images.ts';
import { MemberRepository } from './db/members.ts';
import { recoverInterruptedUploads } from './recovery.ts';
import { imageRoutes } from './routes.ts';
import { FilesystemStore } from './store.ts';

/** The image API app over a database and a filesystem store, as nova-image runs it. */
export function buildImageApi(opts: { conf: NovaConfig; db: Db; auth: Authenticator; log: Logger; store?: FilesystemStore }): {
  app: FastifyInstance;
  store: FilesystemStore;
  images: ImageRepository;
} {
  const { conf, db, auth, log } = opts;
  const store = opts.store ?? new FilesystemStore(conf.glance_store.filesystem_store_datadir);
  const deps = { images: new ImageRepository(db), members: new MemberRepository(db), store, conf: conf.glance_api, log };
  const app = buildImageApp({
    routes: imageRoutes(deps),
    auth,
    log,
    publicEndpoint: conf.glance_api.public_endpoint,
    socketTimeoutSec: conf.glance_api.client_socket_timeout,
  });
  return { app, store, images: deps.images };
}

/**
 * nova-image as a service manager: the HTTP listener (`[glance_api]
 * bind_host`:`bind_port`) once the store is ready, and the clean-up of
 * uploads a nova-image that died left behind (at start, then every 10
 * minutes).
 */
export function imageManager(api: { app: FastifyInstance; store: FilesystemStore; images: ImageRepository }, conf: NovaConfig, log: Logger): HttpServiceManager {
  const { bind_host: host, bind_port: port } = conf.glance_api;
  const idle = conf.glance_api.client_socket_timeout || 900;
  const staleMs = 2 * Math.max(idle, 60) * 1000;
  return new HttpServiceManager({
    app: api.app,
    listen: { host, port, option: '[glance_api] bind_host', myIp: conf.DEFAULT.my_ip },
    title: 'Image API',
    log,
    details: { store: api.store.datadir },
    async beforeListen() {
      try {
        await api.store.init();
      } catch (e) {
        throw new Error(`[glance_store] filesystem_store_datadir ${api.store.datadir}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    periodicTasks: [
      {
        name: 'recover_interrupted_uploads',
        intervalSec: 600,
        runAtStart: true,
        run: async () => void (await recoverInterruptedUploads(api.images, api.store, { staleMs, log })),
      },
    ],
  });
}
