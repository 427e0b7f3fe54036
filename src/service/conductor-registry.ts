import type { ConductorRpcApi } from '../conductor/rpcapi.ts';
import type { RequestContext } from '../context.ts';
import type { Logger } from '../log.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { MessageDeliveryFailure, MessagingTimeout } from '../rpc/errors.ts';
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
        if (!(e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure)) throw e;
        this.log.warn({ attempt }, 'Waiting for nova-conductor to answer (is it running?)');
        await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 5000)));
      }
    }
  }

  heartbeat(ctx: RequestContext, serviceId: number): Promise<ServiceDTO> {
    return this.conductor.service_heartbeat(ctx, { service_id: serviceId });
  }
}
