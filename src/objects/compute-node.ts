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
] as const;

export type DriverCapability = (typeof DRIVER_CAPABILITIES)[number];

export function isDriverCapability(name: string): name is DriverCapability {
  return DRIVER_CAPABILITIES.some((c) => c === name);
}

/** Every capability of a driver, true or false. */
export type DriverCapabilities = Readonly<Record<DriverCapability, boolean>>;

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
