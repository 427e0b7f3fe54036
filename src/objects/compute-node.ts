/**
 * What a compute driver can do, reported by nova-compute into its compute
 * node record so that nova-api can refuse what the host cannot do (Nova's
 * nova.virt.driver.ComputeDriver.capabilities, which nova-compute reports
 * to placement as COMPUTE_* traits). `has_imagecache` is Nova's name; Nova
 * has no flags for pause, suspend, consoles or guest adoption (its drivers
 * raise NotImplementedError), so those follow Nova's `supports_*` spelling.
 */
export const DRIVER_CAPABILITIES = [
  /** Nova's has_imagecache: the driver keeps a per-host cache of images it fetches from the image service. */
  'has_imagecache',
  /** pause/unpause (QEMU stop/cont). */
  'supports_pause',
  /** suspend/resume (the guest's state saved to disk). */
  'supports_suspend',
  /** get_vnc_console. */
  'supports_vnc_console',
  /** get_serial_console. */
  'supports_serial_console',
  /** get_spice_console. */
  'supports_spice_console',
  /** Guests keep running when nova-compute restarts, and a new driver adopts them in init_host. */
  'guests_survive_restart',
  /** Cold migration and resize (migrate_disk_and_power_off / finish_migration). */
  'supports_migrate',
  /** Nova's supports_migrate_to_same_host: a resize may stay on its host ([DEFAULT] allow_resize_to_same_host). */
  'supports_migrate_to_same_host',
  /** Live migration (the guest keeps running while it moves). */
  'supports_live_migration',
  /** Nova's supports_evacuate: rebuild on another host when this one is down. */
  'supports_evacuate',
  /** snapshot (createImage, createBackup, shelve). */
  'supports_snapshot',
  /** rescue/unrescue. */
  'supports_rescue',
  /** set_admin_password (changePassword). */
  'supports_set_admin_password',
  /** inject_nmi (trigger_crash_dump). */
  'supports_trigger_crash_dump',
  /** Nova's supports_attach_interface: attach_interface/detach_interface (os-interface) on a live guest. */
  'supports_attach_interface',
  /** Nova's supports_tagged_attach_interface: an attached interface may carry a device tag. */
  'supports_tagged_attach_interface',
  /** attach_volume/detach_volume on an instance and volumes in spawn's block device info (Nova's drivers raise NotImplementedError without). */
  'supports_attach_volume',
  /** Nova's supports_tagged_attach_volume: an attached volume may carry a device tag. */
  'supports_tagged_attach_volume',
  /** Nova's supports_multiattach: a volume may be attached to several instances. */
  'supports_multiattach',
] as const;

export type DriverCapability = (typeof DRIVER_CAPABILITIES)[number];

export function isDriverCapability(name: string): name is DriverCapability {
  return DRIVER_CAPABILITIES.some((c) => c === name);
}

/**
 * The capabilities a driver may leave out, false when absent (Nova's
 * ComputeDriver.capabilities defaults them to False and nova-compute reads
 * them with .get(name, False)).
 */
export type OptionalCapability =
  | 'supports_attach_interface'
  | 'supports_tagged_attach_interface'
  | 'supports_attach_volume'
  | 'supports_tagged_attach_volume'
  | 'supports_multiattach';

/** Every capability of a driver, true or false (the optional ones may be absent: false). */
export type DriverCapabilities = Readonly<Record<Exclude<DriverCapability, OptionalCapability>, boolean> & Partial<Record<OptionalCapability, boolean>>>;

/**
 * The capabilities a compute node record holds: those its nova-compute
 * reported (a capability absent from the record is unknown, not missing).
 */
export type ReportedCapabilities = Readonly<Partial<Record<DriverCapability, boolean>>>;

/** What a compute host reports about its hypervisor (the inventory). */
export interface ComputeNodeInventory {
  hypervisor_hostname: string;
  hypervisor_type: string;
  hypervisor_version: number;
  cpu_info: string;
  host_ip: string | null;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  disk_available_least: number | null;
  reserved_vcpus: number;
  reserved_memory_mb: number;
  reserved_disk_gb: number;
  cpu_allocation_ratio: number;
  ram_allocation_ratio: number;
  disk_allocation_ratio: number;
  current_workload: number;
}

/** A compute node with inventory and claimed usage. */
export interface ComputeNodeDTO extends ComputeNodeInventory {
  id: number;
  uuid: string;
  service_id: number | null;
  host: string;
  /** Sums of the allocations on this node. */
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  running_vms: number;
  /** What the node's driver can do, as its nova-compute last reported; null when it never did (an older nova-compute). */
  capabilities: ReportedCapabilities | null;
  generation: number;
  created_at: string | null;
  updated_at: string | null;
}

/** Resources one instance claims on a node. */
export interface ResourceRequest {
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
}
