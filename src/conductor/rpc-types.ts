import type { RequestContext } from '../context.ts';
import type { AllocationHealReport } from '../db/api/allocation-heal.ts';
import type { BlockDeviceMappingDTO, BlockDeviceMappingFields, BlockDeviceMappingUpdate } from '../objects/block-device.ts';
import type { ComputeNodeDTO, ComputeNodeInventory, DriverCapabilities } from '../objects/compute-node.ts';
import type { FlavorSnapshot, InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { MigrationDTO, MigrationUpdate } from '../objects/migration.ts';
import type { RequestedDestination, RequestSpec } from '../objects/request-spec.ts';
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
/** 1.1: the block device mapping methods (bdm_*). */
export const CONDUCTOR_RPC_VERSION = '1.1';

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
  /** Start instance action `action` for the context's request (a periodic task acting as a user would: the resize confirm window). */
  action_start(ctx: RequestContext, args: { uuid: string; action: string }): Promise<void>;
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
  /** Cold move (resize, migrate): schedule it with the instance's RequestSpec and start it on the destination (Nova's migrate_server). */
  migrate_server(
    ctx: RequestContext,
    args: { instance: InstanceDTO; migration_uuid: string; flavor: FlavorSnapshot; requested_destination: RequestedDestination | null; clean_shutdown: boolean },
  ): Promise<void>;
  /** Live move: check or choose the destination, then start it on the source. */
  live_migrate_instance(ctx: RequestContext, args: { instance: InstanceDTO; migration_uuid: string; host: string | null; force: boolean; block_migration: boolean }): Promise<void>;
  /** Evacuate from a host that is down: schedule (or take `host`) and rebuild there. */
  evacuate_instance(
    ctx: RequestContext,
    args: { instance: InstanceDTO; migration_uuid: string; host: string | null; force: boolean; admin_password: string | null },
  ): Promise<void>;
  /** Unshelve an offloaded instance: schedule it (zone, host) and boot it there from its shelved image. */
  unshelve_instance(ctx: RequestContext, args: { instance: InstanceDTO; availability_zone: string | null; host: string | null }): Promise<void>;
  migration_get(ctx: RequestContext, args: { uuid: string }): Promise<MigrationDTO>;
  /** Change a migration (status, destination, progress). */
  migration_update(ctx: RequestContext, args: { uuid: string; updates: MigrationUpdate }): Promise<MigrationDTO>;
  /** Migrations of `instance_uuid` (or with `source_compute`) in these statuses, of this type. */
  migrations_find(
    ctx: RequestContext,
    args: { instance_uuid?: string; source_compute?: string; dest_compute?: string; statuses: string[]; migration_type?: string },
  ): Promise<MigrationDTO[]>;
  /** Move what `from` claims to `to` (a move's source claim goes to its migration record). */
  allocations_move(ctx: RequestContext, args: { from: string; to: string }): Promise<void>;
  /** A move did not happen: release the instance's new claim and give it back the one its migration held. */
  allocations_revert(ctx: RequestContext, args: { instance_uuid: string; migration_uuid: string }): Promise<void>;
  /** A build failed on a host: try another one or give up (Nova's build_instances on reschedule). */
  /** `request_spec` absent: the instance's stored one (a build nova-compute found interrupted has none at hand). */
  reschedule_instance(ctx: RequestContext, args: { instance: InstanceDTO; request_spec?: RequestSpec; admin_password: string | null; reason: string }): Promise<void>;
  /** The instance's block device mappings (Nova's BlockDeviceMappingList.get_by_instance_uuid). */
  bdm_list(ctx: RequestContext, args: { instance_uuid: string }): Promise<BlockDeviceMappingDTO[]>;
  bdm_create(ctx: RequestContext, args: { bdm: BlockDeviceMappingFields }): Promise<BlockDeviceMappingDTO>;
  /** Change one mapping (its attachment, connection_info, volume, device name). */
  bdm_update(ctx: RequestContext, args: { uuid: string; updates: BlockDeviceMappingUpdate }): Promise<BlockDeviceMappingDTO>;
  /** Soft delete one mapping (a volume detached or deleted with its server). */
  bdm_destroy(ctx: RequestContext, args: { uuid: string }): Promise<void>;
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
  action_start: 'call',
  action_event_start: 'call',
  action_event_finish: 'call',
  compute_node_update: 'call',
  allocations_release: 'call',
  allocations_heal: 'call',
  reschedule_instance: 'cast',
  migrate_server: 'cast',
  live_migrate_instance: 'cast',
  evacuate_instance: 'cast',
  unshelve_instance: 'cast',
  migration_get: 'call',
  migration_update: 'call',
  migrations_find: 'call',
  allocations_move: 'call',
  allocations_revert: 'call',
  bdm_list: 'call',
  bdm_create: 'call',
  bdm_update: 'call',
  bdm_destroy: 'call',
} as const satisfies RpcKinds<ConductorAPI>;

/** The arguments of one method. */
export type ConductorArgs<K extends keyof ConductorAPI> = ArgsOf<ConductorAPI, K>;
