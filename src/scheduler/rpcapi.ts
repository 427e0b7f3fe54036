import type { RequestContext } from '../context.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { type Destination, SCHEDULER_RPC_VERSION, SCHEDULER_TOPIC, type SchedulerAPI } from './rpc-types.ts';

/** Client stubs for nova-scheduler. */
export class SchedulerRpcApi implements SchedulerAPI {
  private readonly client: RpcClient;

  constructor(transport: Transport, timeoutMs: number) {
    this.client = new RpcClient(transport, { topic: SCHEDULER_TOPIC, version: SCHEDULER_RPC_VERSION, timeoutMs });
  }

  build_instances(ctx: RequestContext, args: { request_spec: RequestSpec; admin_password: string | null }): Promise<void> {
    return this.client.cast(ctx, 'build_instances', args);
  }
  select_destinations(ctx: RequestContext, args: { request_spec: RequestSpec }): Promise<Destination[]> {
    return this.client.call(ctx, 'select_destinations', args);
  }
}
