import type { ConductorRpcApi } from '../conductor/rpcapi.ts';
import type { RequestContext } from '../context.ts';
import type { Logger } from '../log.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { isTransient } from '../rpc/retry.ts';
import type { ServiceRegistry } from './servicegroup.ts';

/**
 * Service registration and heartbeats through nova-conductor, for
 * nova-compute (no database). At start it waits for the conductor, logging
 * each miss, as Nova's "Waiting for conductor" loop does.
 */
export class ConductorServiceRegistry implements ServiceRegistry {
  constructor(
    private readonly conductor: ConductorRpcApi,
    private readonly waitTimeoutMs: number,
    private readonly log: Logger,
  ) {}

  async register(ctx: RequestContext, values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    const quick = this.conductor.withTimeout(this.waitTimeoutMs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await quick.service_register(ctx, values);
      } catch (e) {
        // No answer, no bus, or nova-conductor without its database: wait (nova-compute must not die of an outage at start).
        if (!isTransient(e)) throw e;
        this.log.warn({ attempt, err: e instanceof Error ? e.message : String(e) }, 'Waiting for nova-conductor to answer (is it running?)');
        await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 5000)));
      }
    }
  }

  heartbeat(ctx: RequestContext, serviceId: number): Promise<ServiceDTO> {
    return this.conductor.service_heartbeat(ctx, { service_id: serviceId });
  }
}
