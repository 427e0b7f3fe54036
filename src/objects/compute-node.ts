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
