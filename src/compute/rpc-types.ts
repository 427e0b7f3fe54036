import type { RequestContext } from '../context.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { MigrationDTO } from '../objects/migration.ts';
import type { VifInfo } from '../objects/network-info.ts';
import type { ImageMeta, RequestSpec } from '../objects/request-spec.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';
import type { ConsoleEndpoint, DiskInfo, LiveMigrateData, RebootType } from '../virt/driver.ts';

export const COMPUTE_TOPIC = 'compute';
/** 1.1: server moves, rebuild, shelve, snapshots, rescue and the other lifecycle actions. 1.2: attach_interface, detach_interface. 1.3: reserve_block_device_name, attach_volume, detach_volume. */
export const COMPUTE_RPC_VERSION = '1.3';

/** Where a message for another host than the instance's goes (a move's destination or source). */
interface OnHost {
  /** The compute host that handles the message. */
  readonly host: string;
}

/**
 * The methods nova-compute serves on `compute.<host>`. A message goes to
 * `args.host` when given, else to the instance's host (rpcapi.ts).
 */
export interface ComputeAPI {
  build_and_run_instance(ctx: RequestContext, args: { instance: InstanceDTO; request_spec: RequestSpec; node: string; admin_password: string | null }): Promise<void>;
  terminate_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  start_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  stop_instance(ctx: RequestContext, args: { instance: InstanceDTO; clean_shutdown: boolean }): Promise<void>;
  reboot_instance(ctx: RequestContext, args: { instance: InstanceDTO; reboot_type: RebootType }): Promise<void>;
  pause_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  unpause_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  suspend_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  resume_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  get_console_output(ctx: RequestContext, args: { instance: InstanceDTO; tail_length: number | null }): Promise<string>;
  get_console_endpoint(ctx: RequestContext, args: { instance: InstanceDTO; console_type: 'novnc' | 'serial' | 'spice-html5' }): Promise<ConsoleEndpoint>;

  // Cold moves (resize, migrate): destination, source, destination; then confirm (source) or revert (destination, then source).
  /** On the destination, claimed by the scheduler: check and hand over to the source. */
  prep_resize(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; migration: MigrationDTO; clean_shutdown: boolean }): Promise<void>;
  /** On the source: power off, hand the disk over, then finish on the destination. */
  resize_instance(ctx: RequestContext, args: { instance: InstanceDTO; migration: MigrationDTO; clean_shutdown: boolean }): Promise<void>;
  /** On the destination: set the guest up with the new flavor; VERIFY_RESIZE. */
  finish_resize(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; migration: MigrationDTO; disk_info: DiskInfo }): Promise<void>;
  /** On the source: drop the old guest and its claim. */
  confirm_resize(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; migration: MigrationDTO }): Promise<void>;
  /** On the destination: drop the new guest and its claim, then finish on the source. */
  revert_resize(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; migration: MigrationDTO }): Promise<void>;
  /** On the source: bring the old guest back. */
  finish_revert_resize(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; migration: MigrationDTO }): Promise<void>;

  // Live migration: the destination prepares, the source runs it, the destination takes the guest over.
  /** On the destination: can it take the guest (call)? */
  check_can_live_migrate_destination(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; block_migration: boolean }): Promise<LiveMigrateData>;
  /** On the destination: prepare to receive the guest (call). */
  pre_live_migration(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; block_migration: boolean }): Promise<LiveMigrateData>;
  /** On the source: run the migration. */
  live_migration(ctx: RequestContext, args: { instance: InstanceDTO; migration: MigrationDTO; dest: string; dest_address: string; block_migration: boolean }): Promise<void>;
  /** On the destination: the guest runs here now (call). */
  post_live_migration_at_destination(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; migration: MigrationDTO }): Promise<void>;
  /** On the destination: the migration failed; drop what was prepared. */
  rollback_live_migration_at_destination(ctx: RequestContext, args: OnHost & { instance: InstanceDTO }): Promise<void>;
  live_migration_force_complete(ctx: RequestContext, args: { instance: InstanceDTO; migration: MigrationDTO }): Promise<void>;
  live_migration_abort(ctx: RequestContext, args: { instance: InstanceDTO; migration: MigrationDTO }): Promise<void>;

  /** Rebuild from an image on the instance's host, or (evacuate) on `host` from a host that is down. */
  rebuild_instance(
    ctx: RequestContext,
    args: OnHost & {
      instance: InstanceDTO;
      image: ImageMeta;
      admin_password: string | null;
      preserve_ephemeral: boolean;
      /** An evacuation: the instance comes here from its failed host (its migration record). */
      migration: MigrationDTO | null;
      node: string | null;
    },
  ): Promise<void>;

  /** Power off, snapshot into `image_id`, SHELVED; then offload at once when this host's [DEFAULT] shelved_offload_time is 0. */
  shelve_instance(ctx: RequestContext, args: { instance: InstanceDTO; image_id: string; clean_shutdown: boolean }): Promise<void>;
  /** Free the host: destroy the guest, release the claim, SHELVED_OFFLOADED. */
  shelve_offload_instance(ctx: RequestContext, args: { instance: InstanceDTO; clean_shutdown: boolean }): Promise<void>;
  /**
   * On the host the scheduler chose (and claimed): boot an offloaded instance from its shelved image
   * (`image`; null: the one system_metadata names). A SHELVED guest that was not offloaded is powered on where it is.
   */
  unshelve_instance(ctx: RequestContext, args: OnHost & { instance: InstanceDTO; image: ImageMeta | null; node: string | null }): Promise<void>;

  /** createImage / createBackup: upload a snapshot into `image_id` (a backup then rotates the older ones). */
  snapshot_instance(ctx: RequestContext, args: { instance: InstanceDTO; image_id: string; backup: { type: string; rotation: number } | null }): Promise<void>;
  /** Boot the rescue image with the guest's disk as its second disk; RESCUED. */
  rescue_instance(ctx: RequestContext, args: { instance: InstanceDTO; rescue_image: ImageMeta; admin_password: string | null; clean_shutdown: boolean }): Promise<void>;
  unrescue_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  /** changePassword (call: its failure is the API's answer). */
  set_admin_password(ctx: RequestContext, args: { instance: InstanceDTO; password: string }): Promise<void>;
  trigger_crash_dump(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  /** A delete with [DEFAULT] reclaim_instance_interval: power off, SOFT_DELETED. */
  soft_delete_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  /** Back from SOFT_DELETED: power on. */
  restore_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  inject_network_info(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  /** os-interface attach (call): a port on `network_id` (with `requested_ip`) or `port_id`, or on the project's only network; the VIF plugged. */
  attach_interface(
    ctx: RequestContext,
    args: { instance: InstanceDTO; network_id: string | null; port_id: string | null; requested_ip: string | null; tag: string | null },
  ): Promise<VifInfo>;
  /** os-interface detach (cast): the VIF unplugged, the port deleted (nova's) or unbound (given). */
  detach_interface(ctx: RequestContext, args: { instance: InstanceDTO; port_id: string }): Promise<void>;
  /**
   * os-volume_attachments attach, first step (call): the mapping of the volume with the device name it gets
   * (`device` when free: DevicePathInUse otherwise); VolumeAttachNotSupported / VolumeTaggedAttachNotSupported from the driver's capabilities.
   */
  reserve_block_device_name(
    ctx: RequestContext,
    args: {
      instance: InstanceDTO;
      volume_id: string;
      device: string | null;
      tag: string | null;
      delete_on_termination: boolean;
      disk_bus: string | null;
      device_type: string | null;
    },
  ): Promise<BlockDeviceMappingDTO>;
  /** Attach the reserved volume (cast): the attachment connected to this host, the disk attached, the attachment completed. */
  attach_volume(ctx: RequestContext, args: { instance: InstanceDTO; bdm: BlockDeviceMappingDTO }): Promise<void>;
  /** Detach (cast): the disk let go, the attachment deleted, the mapping gone. */
  detach_volume(ctx: RequestContext, args: { instance: InstanceDTO; volume_id: string; attachment_id: string | null }): Promise<void>;
}

/** The methods served over RPC, and how each is sent. */
export const COMPUTE_METHODS = {
  build_and_run_instance: 'cast',
  terminate_instance: 'cast',
  start_instance: 'cast',
  stop_instance: 'cast',
  reboot_instance: 'cast',
  pause_instance: 'cast',
  unpause_instance: 'cast',
  suspend_instance: 'cast',
  resume_instance: 'cast',
  get_console_output: 'call',
  get_console_endpoint: 'call',
  prep_resize: 'cast',
  resize_instance: 'cast',
  finish_resize: 'cast',
  confirm_resize: 'cast',
  revert_resize: 'cast',
  finish_revert_resize: 'cast',
  check_can_live_migrate_destination: 'call',
  pre_live_migration: 'call',
  live_migration: 'cast',
  post_live_migration_at_destination: 'call',
  rollback_live_migration_at_destination: 'cast',
  live_migration_force_complete: 'cast',
  live_migration_abort: 'cast',
  rebuild_instance: 'cast',
  shelve_instance: 'cast',
  shelve_offload_instance: 'cast',
  unshelve_instance: 'cast',
  snapshot_instance: 'cast',
  rescue_instance: 'cast',
  unrescue_instance: 'cast',
  set_admin_password: 'call',
  trigger_crash_dump: 'cast',
  soft_delete_instance: 'cast',
  restore_instance: 'cast',
  inject_network_info: 'cast',
  attach_interface: 'call',
  detach_interface: 'cast',
  reserve_block_device_name: 'call',
  attach_volume: 'cast',
  detach_volume: 'cast',
} as const satisfies RpcKinds<ComputeAPI>;

/** The arguments of one method. */
export type ComputeArgs<K extends keyof ComputeAPI> = ArgsOf<ComputeAPI, K>;
