import { setTimeout as sleep } from 'node:timers/promises';
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext, runWithContext } from '../context.ts';
import { ServiceNotFound } from '../exception/resources.ts';
import type { Logger } from '../log.ts';
import { SERVICE_VERSION, type ServiceDTO } from '../objects/service.ts';
import { isTransient } from '../rpc/retry.ts';
import { RpcServer } from '../rpc/server.ts';
import type { Transport } from '../rpc/transport.ts';
import type { Manager, PeriodicTask } from './manager.ts';
import type { ServiceRegistry } from './servicegroup.ts';

export interface ServiceOptions {
  conf: NovaConfig;
  /** e.g. nova-compute */
  binary: string;
  /** The RPC topic served; null for services that serve none (nova-api). */
  topic: string | null;
  transport: Transport;
  registry: ServiceRegistry;
  manager: Manager;
  log: Logger;
  /** Defaults to [DEFAULT] host. */
  host?: string;
}

/**
 * A nova daemon (nova.service.Service): registers in the services table,
 * serves its RPC topic, heartbeats every report_interval, runs the
 * manager's periodic tasks, and stops cleanly.
 */
export class Service {
  readonly host: string;
  private record: ServiceDTO | null = null;
  private rpc: RpcServer | null = null;
  private timers: NodeJS.Timeout[] = [];
  private heartbeatFailing = false;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(private readonly opts: ServiceOptions) {
    this.host = opts.host ?? opts.conf.DEFAULT.host;
  }

  get binary(): string {
    return this.opts.binary;
  }

  get serviceRecord(): ServiceDTO | null {
    return this.record;
  }

  async start(): Promise<void> {
    const { conf, manager, log } = this.opts;
    await this.opts.transport.connect();
    if (manager.initHost) await manager.initHost();
    this.record = await this.register();
    if (manager.preStartHook) await manager.preStartHook(this.record);
    if (this.opts.topic) {
      this.rpc = new RpcServer(this.opts.transport, this.opts.topic, this.host, manager.endpoints, log);
      await this.rpc.start();
    }
    this.every(conf.DEFAULT.report_interval, () => this.heartbeat());
    for (const task of manager.periodicTasks?.() ?? []) this.schedule(task);
    if (manager.postStartHook) await manager.postStartHook();
    log.info({ binary: this.opts.binary, topic: this.opts.topic, service_id: this.record.id, transport: this.opts.transport.description }, 'service started');
  }

  private async register(): Promise<ServiceDTO> {
    const values = { host: this.host, binary: this.opts.binary, topic: this.opts.topic, version: SERVICE_VERSION };
    // A database or bus outage at start (a restart, a fail-over) is waited out, as one later is: a daemon does not die of it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.opts.registry.register(adminContext(), values);
      } catch (e) {
        if (!isTransient(e) || this.stopping) throw e;
        this.opts.log.warn({ attempt, err: e instanceof Error ? e.message : String(e) }, 'could not register the service; retrying');
        await sleep(Math.min(1000 * attempt, 5000));
      }
    }
  }

  private every(intervalSec: number, fn: () => Promise<void>): void {
    const t = setInterval(() => this.track(fn), intervalSec * 1000);
    this.timers.push(t);
  }

  /** Run fn unless stopping, keeping track so stop() can wait for it. */
  private track(fn: () => Promise<void>): void {
    if (this.stopping) return;
    const p = fn().finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private schedule(task: PeriodicTask): void {
    let busy = false;
    const run = async () => {
      if (busy) return;
      busy = true;
      const ctx = adminContext();
      try {
        await runWithContext(ctx, () => task.run());
      } catch (e) {
        this.opts.log.error({ task: task.name, err: e instanceof Error ? e.message : String(e) }, 'periodic task failed');
      } finally {
        busy = false;
      }
    };
    if (task.runAtStart) this.track(run);
    if (task.intervalSec > 0) this.every(task.intervalSec, run);
  }

  private async heartbeat(): Promise<void> {
    const { log } = this.opts;
    if (!this.record) return;
    try {
      this.record = await this.opts.registry.heartbeat(adminContext(), this.record.id);
      if (this.heartbeatFailing) log.info('heartbeat recovered');
      this.heartbeatFailing = false;
    } catch (e) {
      if (e instanceof ServiceNotFound) {
        log.warn('service record was deleted; registering again');
        this.record = await this.register().catch(() => this.record);
        return;
      }
      if (!this.heartbeatFailing) log.error({ err: (e as Error).message }, 'heartbeat failed; will keep trying');
      this.heartbeatFailing = true;
    }
  }

  /**
   * Stop: no new messages, wait for in-flight ones (at most
   * graceful_shutdown_timeout), stop timers, let the manager clean up.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const timeoutSec = this.opts.conf.DEFAULT.graceful_shutdown_timeout;
    // In-flight RPC work is finished; periodic tasks (heartbeats, resource
    // reports) are idempotent and only get a moment, so a heartbeat stuck on
    // a conductor that is gone does not hold the exit.
    // The waits below are cancelled once done, so no timer outlives the stop.
    const ac = new AbortController();
    const pause = (ms: number) => sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined);
    const drain = (async () => {
      await this.rpc?.stop();
      await Promise.race([Promise.allSettled([...this.running]), pause(1000)]);
    })();
    try {
      if (timeoutSec > 0) {
        const timedOut = await Promise.race([drain.then(() => false), pause(timeoutSec * 1000).then(() => true)]);
        if (timedOut) this.opts.log.warn({ timeout: timeoutSec }, 'graceful shutdown timed out; in-flight work abandoned');
      } else {
        await drain;
      }
    } finally {
      ac.abort();
    }
    await this.opts.manager.cleanup?.();
    this.opts.log.info({ binary: this.opts.binary }, 'service stopped');
  }
}
