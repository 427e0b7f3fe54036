import type { RequestContext } from '../context.ts';
import type { AllocationHealReport } from '../db/api/allocation-heal.ts';
import type { ComputeNodeDTO, ComputeNodeInventory, DriverCapabilities } from '../objects/compute-node.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import type { ServiceDTO } from '../objects/service.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';

export const CONDUCTOR_TOPIC = 'conductor';

/** An instance action event to record along with an update: its start, or its end with a result. */
export interface ActionEventNote {
  event: string;
  host: string | null;
  result?: 'Success' | 'Error';
  traceback?: string | null;
}
export const CONDUCTOR_RPC_VERSION = '1.0';

/** The methods nova-conductor serves: the database work of nova-compute. */
export interface ConductorAPI {
  service_register(ctx: RequestContext, args: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO>;
  service_heartbeat(ctx: RequestContext, args: { service_id: number }): Promise<ServiceDTO>;
  /**
   * Guarded update: with expected states the write only happens if the
   * instance is still in one of them. `action_event` records the start (no
   * result) or the end of an instance action event after a successful update,
   * saving a round trip.
   */
  instance_update(
    ctx: RequestContext,
    args: { uuid: string; updates: InstanceUpdate; expected_task_state?: (string | null)[]; expected_vm_state?: string[]; action_event?: ActionEventNote },
  ): Promise<InstanceDTO>;
  /** One instance; with `read_deleted` also a deleted one (reaping a deleted instance's guest needs its record). */
  instance_get(ctx: RequestContext, args: { uuid: string; read_deleted?: boolean }): Promise<InstanceDTO>;
  /** Soft delete the instance and release what it claimed. */
  instance_destroy(ctx: RequestContext, args: { uuid: string }): Promise<void>;
  instances_on_host(ctx: RequestContext, args: { host: string }): Promise<InstanceDTO[]>;
  instance_fault_create(ctx: RequestContext, args: { uuid: string; code: number; message: string; details: string; host: string | null }): Promise<void>;
  action_event_start(ctx: RequestContext, args: { uuid: string; event: string; host: string | null }): Promise<void>;
  action_event_finish(ctx: RequestContext, args: { uuid: string; event: string; result: 'Success' | 'Error'; traceback: string | null }): Promise<void>;
  /**
   * Report a compute node's inventory and its driver's capabilities
   * (nova-compute's resource tracker; Nova reports the capabilities as
   * traits). `capabilities` is optional so that an older nova-compute that
   * sends none still reports its inventory; the node keeps what it had.
   */
  compute_node_update(ctx: RequestContext, args: { host: string; inventory: ComputeNodeInventory; capabilities?: DriverCapabilities }): Promise<ComputeNodeDTO>;
  /** Release the resources an instance claimed. */
  allocations_release(ctx: RequestContext, args: { uuid: string }): Promise<void>;
  /** Make the host's claims agree with its instances (see db/api/allocation-heal.ts); answers what changed. */
  allocations_heal(ctx: RequestContext, args: { host: string }): Promise<AllocationHealReport>;
  /** A build failed on a host: try another one or give up (Nova's build_instances on reschedule). */
  /** `request_spec` absent: the instance's stored one (a build nova-compute found interrupted has none at hand). */
  reschedule_instance(ctx: RequestContext, args: { instance: InstanceDTO; request_spec?: RequestSpec; admin_password: string | null; reason: string }): Promise<void>;
}

/** The methods served over RPC, and how each is sent. */
export const CONDUCTOR_METHODS = {
  service_register: 'call',
  service_heartbeat: 'call',
  instance_update: 'call',
  instance_get: 'call',
  instance_destroy: 'call',
  instances_on_host: 'call',
  instance_fault_create: 'call',
  action_event_start: 'call',
  action_event_finish: 'call',
  compute_node_update: 'call',
  allocations_release: 'call',
  allocations_heal: 'call',
  reschedule_instance: 'cast',
} as const satisfies RpcKinds<ConductorAPI>;

/** The arguments of one method. */
export type ConductorArgs<K extends keyof ConductorAPI> = ArgsOf<ConductorAPI, K>;
