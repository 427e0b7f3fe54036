import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext } from '../context.ts';
import type { Logger } from '../log.ts';
import type { ComputeNodeDTO, ComputeNodeInventory } from '../objects/compute-node.ts';
import type { ComputeDriver } from '../virt/driver.ts';

/**
 * Reports this host's inventory (what the driver has, the reserved amounts
 * and allocation ratios from nova.conf) and the driver's capabilities to the
 * database through nova-conductor. Usage is not reported: claims made by the
 * scheduler are the usage.
 */
export class ResourceTracker {
  constructor(
    private readonly conf: NovaConfig,
    private readonly host: string,
    private readonly driver: ComputeDriver,
    private readonly conductor: ConductorAPI,
    private readonly log: Logger,
  ) {}

  async inventory(): Promise<ComputeNodeInventory> {
    const r = await this.driver.getAvailableResource();
    const d = this.conf.DEFAULT;
    return {
      hypervisor_hostname: r.hypervisor_hostname,
      hypervisor_type: r.hypervisor_type,
      hypervisor_version: r.hypervisor_version,
      cpu_info: r.cpu_info,
      host_ip: d.my_ip,
      vcpus: r.vcpus,
      memory_mb: r.memory_mb,
      local_gb: r.local_gb,
      disk_available_least: r.disk_available_least,
      reserved_vcpus: d.reserved_host_cpus,
      reserved_memory_mb: d.reserved_host_memory_mb,
      reserved_disk_gb: Math.ceil(d.reserved_host_disk_mb / 1024),
      cpu_allocation_ratio: d.cpu_allocation_ratio,
      ram_allocation_ratio: d.ram_allocation_ratio,
      disk_allocation_ratio: d.disk_allocation_ratio,
      current_workload: 0,
    };
  }

  /** nova's update_available_resource periodic task. */
  async update(): Promise<ComputeNodeDTO> {
    const node = await this.conductor.compute_node_update(adminContext(), { host: this.host, inventory: await this.inventory(), capabilities: this.driver.capabilities });
    this.log.debug({ node: node.hypervisor_hostname, vcpus: node.vcpus, memory_mb: node.memory_mb, local_gb: node.local_gb }, 'resources reported');
    return node;
  }
}
