import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import { listenHttp } from './listen.ts';

/** Where a REST service listens, and the option that says so (for error lines). */
export interface ListenSpec {
  readonly host: string;
  readonly port: number;
  /** e.g. '[api] osapi_compute_listen'. */
  readonly option: string;
  /** Replaces a wildcard address in the URL the service reports ([DEFAULT] my_ip). */
  readonly myIp: string;
}

/** What {@link HttpServiceManager} runs. */
export interface HttpManagerOptions {
  readonly app: FastifyInstance;
  readonly listen: ListenSpec;
  /** For the "listening" line, e.g. 'Compute API'. */
  readonly title: string;
  readonly log: Logger;
  /** Work before the listener opens (e.g. preparing the image store); a failure stops the start. */
  beforeListen?(): Promise<void>;
  readonly periodicTasks?: readonly PeriodicTask[];
  /** Extra fields of the "listening" line. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A REST service as a service manager: the service framework starts it,
 * registers it, runs its periodic tasks and stops it like any daemon, and
 * the manager owns the HTTP listener. It serves no RPC topic.
 */
export class HttpServiceManager implements Manager {
  readonly endpoints = [];
  private address = '';

  constructor(private readonly opts: HttpManagerOptions) {}

  get app(): FastifyInstance {
    return this.opts.app;
  }

  /** Where the service listens, e.g. http://10.0.0.5:8774 (after start). */
  get url(): string {
    return this.address;
  }

  async initHost(): Promise<void> {
    await this.opts.beforeListen?.();
    const { host, port, option, myIp } = this.opts.listen;
    this.address = await listenHttp(this.opts.app, host, port, option, myIp);
    this.opts.log.info({ url: this.address, ...this.opts.details }, `${this.opts.title} listening`);
  }

  periodicTasks(): readonly PeriodicTask[] {
    return this.opts.periodicTasks ?? [];
  }

  async cleanup(): Promise<void> {
    await this.opts.app.close();
  }
}
