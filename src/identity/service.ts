import type { FastifyInstance } from 'fastify';
import type { NovaConfig } from '../conf/loader.ts';
import { dbTime } from '../db/time.ts';
import type { Logger } from '../log.ts';
import { SERVICE_VERSION, type ServiceDTO } from '../objects/service.ts';
import { listenHttp } from '../service/http-listen.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import type { ServiceRegistry } from '../service/servicegroup.ts';
import type { TokenProvider } from './token-provider.ts';

/**
 * nova-identity as a service manager: owns the HTTP listener ([identity]
 * listen, listen_port) and purges long-expired tokens every hour.
 */
export class IdentityManager implements Manager {
  readonly endpoints = [];
  private address = '';

  constructor(
    readonly app: FastifyInstance,
    private readonly conf: NovaConfig,
    private readonly tokens: TokenProvider,
    private readonly log: Logger,
  ) {}

  /** Where the identity API listens, e.g. http://10.0.0.5:5000 (unversioned). */
  get url(): string {
    return this.address;
  }

  async initHost(): Promise<void> {
    const { listen: host, listen_port: port } = this.conf.identity;
    this.address = await listenHttp(this.app, host, port, '[identity] listen', this.conf.DEFAULT.my_ip);
    this.log.info({ url: this.address }, 'Identity API listening');
  }

  periodicTasks(): readonly PeriodicTask[] {
    return [
      {
        name: 'purge_expired_tokens',
        intervalSec: 3600,
        runAtStart: true,
        run: async () => {
          const n = await this.tokens.purgeExpired();
          if (n) this.log.info({ tokens: n }, 'purged expired tokens');
        },
      },
    ];
  }

  async cleanup(): Promise<void> {
    await this.app.close();
  }
}

/**
 * The identity service is not a Nova service: it keeps out of the services
 * table (and so out of `compute service list`). This registry only keeps its
 * record in memory.
 */
export class LocalServiceRegistry implements ServiceRegistry {
  private record: ServiceDTO | null = null;

  async register(_ctx: unknown, values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    const now = dbTime();
    this.record = {
      id: 0,
      uuid: '00000000-0000-0000-0000-000000000000',
      ...values,
      version: values.version || SERVICE_VERSION,
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

  async heartbeat(): Promise<ServiceDTO> {
    if (!this.record) throw new Error('not registered');
    const now = dbTime();
    this.record = { ...this.record, report_count: this.record.report_count + 1, last_seen_up: now, updated_at: now };
    return this.record;
  }
}
