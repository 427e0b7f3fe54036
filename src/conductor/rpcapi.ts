import type { RequestContext } from '../context.ts';
import type { ComputeNodeDTO, ComputeNodeInventory, DriverCapabilities } from '../objects/compute-node.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { type ActionEventNote, CONDUCTOR_RPC_VERSION, CONDUCTOR_TOPIC, type ConductorAPI } from './rpc-types.ts';

/** Client stubs for nova-conductor: each method is one call or cast. */
export class ConductorRpcApi implements ConductorAPI {
  private constructor(private readonly client: RpcClient) {}

  static create(transport: Transport, timeoutMs: number): ConductorRpcApi {
    return new ConductorRpcApi(new RpcClient(transport, { topic: CONDUCTOR_TOPIC, version: CONDUCTOR_RPC_VERSION, timeoutMs }));
  }

  /** The same stubs with another call timeout (short waits for the conductor at start). */
  withTimeout(timeoutMs: number): ConductorRpcApi {
    return new ConductorRpcApi(this.client.prepare({ timeoutMs }));
  }

  service_register(ctx: RequestContext, args: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    return this.client.call(ctx, 'service_register', args);
  }
  service_heartbeat(ctx: RequestContext, args: { service_id: number }): Promise<ServiceDTO> {
    return this.client.call(ctx, 'service_heartbeat', args);
  }
  instance_update(
    ctx: RequestContext,
    args: { uuid: string; updates: InstanceUpdate; expected_task_state?: (string | null)[]; expected_vm_state?: string[]; action_event?: ActionEventNote },
  ): Promise<InstanceDTO> {
    return this.client.call(ctx, 'instance_update', args);
  }
  instance_get(ctx: RequestContext, args: { uuid: string }): Promise<InstanceDTO> {
    return this.client.call(ctx, 'instance_get', args);
  }
  instance_destroy(ctx: RequestContext, args: { uuid: string }): Promise<void> {
    return this.client.call(ctx, 'instance_destroy', args);
  }
  instances_on_host(ctx: RequestContext, args: { host: string }): Promise<InstanceDTO[]> {
    return this.client.call(ctx, 'instances_on_host', args);
  }
  instance_fault_create(ctx: RequestContext, args: { uuid: string; code: number; message: string; details: string; host: string | null }): Promise<void> {
    return this.client.call(ctx, 'instance_fault_create', args);
  }
  action_event_start(ctx: RequestContext, args: { uuid: string; event: string; host: string | null }): Promise<void> {
    return this.client.call(ctx, 'action_event_start', args);
  }
  action_event_finish(ctx: RequestContext, args: { uuid: string; event: string; result: 'Success' | 'Error'; traceback: string | null }): Promise<void> {
    return this.client.call(ctx, 'action_event_finish', args);
  }
  compute_node_update(ctx: RequestContext, args: { host: string; inventory: ComputeNodeInventory; capabilities?: DriverCapabilities }): Promise<ComputeNodeDTO> {
    return this.client.call(ctx, 'compute_node_update', args);
  }
  allocations_release(ctx: RequestContext, args: { uuid: string }): Promise<void> {
    return this.client.call(ctx, 'allocations_release', args);
  }
  reschedule_instance(ctx: RequestContext, args: { instance: InstanceDTO; request_spec: RequestSpec; admin_password: string | null; reason: string }): Promise<void> {
    return this.client.cast(ctx, 'reschedule_instance', args);
  }
}
