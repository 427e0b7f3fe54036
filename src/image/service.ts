import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../api/auth.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { Db } from '../db/connection.ts';
import { dbTime } from '../db/time.ts';
import type { Logger } from '../log.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { listenHttp } from '../service/http-listen.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import type { ServiceRegistry } from '../service/servicegroup.ts';
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
 * nova-image as a service manager: owns the HTTP listener (`[glance_api]
 * bind_host`:`bind_port`), so the service framework starts and stops it like
 * any daemon. It serves no RPC topic.
 */
export class ImageManager implements Manager {
  readonly endpoints = [];
  private address = '';

  constructor(
    readonly app: FastifyInstance,
    private readonly store: FilesystemStore,
    private readonly images: ImageRepository,
    private readonly conf: NovaConfig,
    private readonly log: Logger,
  ) {}

  /** Where the image API listens, e.g. http://10.0.0.5:9292 (after start). */
  get url(): string {
    return this.address;
  }

  async initHost(): Promise<void> {
    const { bind_host: host, bind_port: port } = this.conf.glance_api;
    try {
      await this.store.init();
    } catch (e) {
      throw new Error(`[glance_store] filesystem_store_datadir ${this.store.datadir}: ${(e as Error).message}`);
    }
    this.address = await listenHttp(this.app, host, port, '[glance_api] bind_host', this.conf.DEFAULT.my_ip);
    this.log.info({ url: this.address, store: this.store.datadir }, 'Image API listening');
  }

  /** Clean up after uploads of a nova-image that died mid-upload: at start, then every 10 minutes. */
  periodicTasks(): readonly PeriodicTask[] {
    const idle = this.conf.glance_api.client_socket_timeout || 900;
    const staleMs = 2 * Math.max(idle, 60) * 1000;
    return [
      {
        name: 'recover_interrupted_uploads',
        intervalSec: 600,
        runAtStart: true,
        run: async () => void (await recoverInterruptedUploads(this.images, this.store, { staleMs, log: this.log })),
      },
    ];
  }

  async cleanup(): Promise<void> {
    await this.app.close();
  }
}

/**
 * nova-image is not a compute service: like Glance it does not appear in
 * Nova's services table (so not in `openstack compute service list`). This
 * registry keeps the service record in memory only.
 */
export class InProcessServiceRegistry implements ServiceRegistry {
  private record: ServiceDTO | null = null;

  async register(_ctx: RequestContext, values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    const now = dbTime();
    this.record = {
      id: 0,
      uuid: randomUUID(),
      ...values,
      report_count: 0,
      disabled: false,
      disabled_reason: null,
      last_seen_up: now,
      forced_down: false,
      created_at: now,
      updated_at: now,
    };
    return this.record;
  }

  async heartbeat(_ctx: RequestContext, _serviceId: number): Promise<ServiceDTO> {
    if (!this.record) throw new Error('nova-image is not registered');
    const now = dbTime();
    this.record = { ...this.record, report_count: this.record.report_count + 1, last_seen_up: now, updated_at: now };
    return this.record;
  }
}
