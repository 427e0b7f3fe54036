import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';
import { listenHttp } from '../service/http-listen.ts';
import type { Manager } from '../service/manager.ts';

/**
 * nova-api as a service manager: owns the HTTP listener, so the service
 * framework registers it, heartbeats it and stops it like any daemon.
 */
export class ApiManager implements Manager {
  readonly endpoints = [];
  private address = '';

  constructor(
    readonly app: FastifyInstance,
    private readonly conf: NovaConfig,
    private readonly log: Logger,
  ) {}

  get url(): string {
    return this.address;
  }

  async initHost(): Promise<void> {
    const { osapi_compute_listen: host, osapi_compute_listen_port: port } = this.conf.api;
    this.address = await listenHttp(this.app, host, port, '[api] osapi_compute_listen', this.conf.DEFAULT.my_ip);
    this.log.info({ url: this.address }, 'Compute API listening');
  }

  async cleanup(): Promise<void> {
    await this.app.close();
  }
}
