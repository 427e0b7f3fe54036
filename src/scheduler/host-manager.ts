import type { NovaConfig } from '../conf/loader.ts';
import { type AggregateDTO, zonesByHost } from '../objects/aggregate.ts';
import type { ComputeNodeDTO, ResourceRequest } from '../objects/compute-node.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import type { HostState } from './host-state.ts';

/** The cpu_info JSON of a compute node as an object ({} when it is not one). */
export function parseCpuInfo(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** What the scheduler knows of the aggregates, per host. */
export interface HostAggregates {
  /** host → availability zone (hosts in no zoned aggregate are absent). */
  readonly zones: ReadonlyMap<string, string>;
  /** host → its aggregates' names and metadata. */
  readonly byHost: ReadonlyMap<string, NonNullable<HostState['aggregates']>>;
}

/** Index the aggregates by host (once per scheduling batch). */
export function hostAggregates(aggregates: readonly AggregateDTO[]): HostAggregates {
  const byHost = new Map<string, { name: string; metadata: Readonly<Record<string, string>> }[]>();
  for (const a of aggregates) {
    for (const h of a.hosts) byHost.set(h, [...(byHost.get(h) ?? []), { name: a.name, metadata: a.metadata }]);
  }
  return { zones: zonesByHost(aggregates), byHost };
}

/**
 * The host state of a compute node. Its availability zone is that of its
 * host's aggregate, else [DEFAULT] default_availability_zone.
 */
export function hostStateOf(
  node: ComputeNodeDTO,
  service: ServiceDTO | undefined,
  conf: NovaConfig,
  instances: ReadonlySet<string>,
  now: Date,
  aggs: HostAggregates = { zones: new Map(), byHost: new Map() },
  cpuInfo: Record<string, unknown> = parseCpuInfo(node.cpu_info),
): HostState {
  return {
    host: node.host,
    nodename: node.hypervisor_hostname,
    nodeId: node.id,
    nodeUuid: node.uuid,
    availabilityZone: aggs.zones.get(node.host) ?? conf.DEFAULT.default_availability_zone,
    aggregates: aggs.byHost.get(node.host) ?? [],
    service: {
      id: service?.id ?? 0,
      disabled: service?.disabled ?? true,
      disabledReason: service?.disabled_reason ?? null,
      forcedDown: service?.forced_down ?? false,
      up: service ? serviceIsUp(service, conf.DEFAULT.service_down_time, now) : false,
    },
    hypervisorType: node.hypervisor_type,
    hypervisorVersion: node.hypervisor_version,
    cpuInfo,
    vcpus: node.vcpus,
    memoryMb: node.memory_mb,
    localGb: node.local_gb,
    reservedVcpus: node.reserved_vcpus,
    reservedMemoryMb: node.reserved_memory_mb,
    reservedDiskGb: node.reserved_disk_gb,
    vcpusUsed: node.vcpus_used,
    memoryMbUsed: node.memory_mb_used,
    localGbUsed: node.local_gb_used,
    cpuAllocationRatio: node.cpu_allocation_ratio,
    ramAllocationRatio: node.ram_allocation_ratio,
    diskAllocationRatio: node.disk_allocation_ratio,
    numInstances: node.running_vms,
    instanceUuids: instances,
  };
}

/** The host after a claim (Nova's consume_from_request), so the next instance of the same request sees it. */
export function consume(h: HostState, uuid: string, req: ResourceRequest): HostState {
  return {
    ...h,
    vcpusUsed: h.vcpusUsed + req.vcpus,
    memoryMbUsed: h.memoryMbUsed + req.memory_mb,
    localGbUsed: h.localGbUsed + req.disk_gb,
    numInstances: h.numInstances + 1,
    instanceUuids: new Set([...h.instanceUuids, uuid]),
  };
}
