import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';
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
    try {
      await this.app.listen({ host, port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the address is already in use' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new Error(`[api] osapi_compute_listen ${host}:${port}: cannot listen: ${why}`);
    }
    const addr = this.app.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    const shownHost = host === '0.0.0.0' || host === '::' ? this.conf.DEFAULT.my_ip : host;
    this.address = `http://${shownHost}:${actualPort}`;
    this.log.info({ url: this.address }, 'Compute API listening');
  }

  async cleanup(): Promise<void> {
    await this.app.close();
  }
}
