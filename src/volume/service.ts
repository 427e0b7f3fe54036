import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import type { Db } from '../db/connection.ts';
import type { Authenticator } from '../http/auth.ts';
import { HttpServiceManager } from '../http/manager.ts';
import type { Logger } from '../log.ts';
import { buildVolumeApp } from './app.ts';
import { VolumeStore } from './db/store.ts';
import type { VolumeDriver } from './driver.ts';
import type { VolumeDeps } from './http.ts';
import type { VolumeImages } from './images.ts';
import { volumeApiRoutes } from './routes.ts';
import { ensureDefaultType } from './types.ts';
import { VolumeWorker } from './worker.ts';

export interface VolumeApi {
  readonly app: FastifyInstance;
  readonly store: VolumeStore;
  readonly worker: VolumeWorker;
  readonly driver: VolumeDriver;
  /** The driver started, __DEFAULT__ there, a previous run's leftovers finished (before the listener opens). */
  start(): Promise<void>;
  /** The running work finished, the driver's own processes stopped. */
  stop(): Promise<void>;
}

/** The volume API app over a database and a driver, as nova-volume runs it. */
export function buildVolumeApi(opts: { conf: NovaConfig; db: Db; auth: Authenticator; log: Logger; driver: VolumeDriver; images?: VolumeImages | undefined }): VolumeApi {
  const store = VolumeStore.of(opts.db);
  const worker = new VolumeWorker(opts.log);
  const deps: VolumeDeps = {
    store,
    conf: opts.conf.volume_server,
    host: opts.conf.DEFAULT.host,
    stateDir: opts.conf.DEFAULT.state_path,
    log: opts.log,
    driver: opts.driver,
    worker,
    images: opts.images,
  };
  const app = buildVolumeApp({ routes: volumeApiRoutes(deps), auth: opts.auth, log: opts.log, publicUrl: opts.conf.volume_server.public_endpoint });
  return {
    app,
    store,
    worker,
    driver: opts.driver,
    async start() {
      await opts.driver.init();
      await ensureDefaultType(store);
      await worker.recover(store, opts.driver);
    },
    async stop() {
      await worker.idle();
      await opts.driver.close();
    },
  };
}

/** nova-volume as a service manager: the HTTP listener on `[volume_server] bind_host`:`bind_port`. */
export function volumeManager(api: VolumeApi, conf: NovaConfig, log: Logger): HttpServiceManager {
  const { bind_host: host, bind_port: port } = conf.volume_server;
  return new HttpServiceManager({
    app: api.app,
    listen: { host, port, option: '[volume_server] bind_host', myIp: conf.DEFAULT.my_ip },
    title: 'Volume API',
    log,
    beforeListen: () => api.start(),
    details: { driver: conf.volume_server.volume_driver },
  });
}
