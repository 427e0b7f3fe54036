/**
 * The scheduler's view of one compute node: inventory, claimed usage, the
 * service behind it and the instances on it. Filters and weighers read
 * only this.
 */
export interface HostState {
  readonly host: string;
  readonly nodename: string;
  readonly nodeId: number;
  readonly nodeUuid: string;
  readonly availabilityZone: string;
  /** The host aggregates this host belongs to, with their metadata (AggregateInstanceExtraSpecsFilter…). */
  readonly aggregates?: readonly { name: string; metadata: Readonly<Record<string, string>> }[];

  readonly service: {
    readonly id: number;
    readonly disabled: boolean;
    readonly disabledReason: string | null;
    readonly forcedDown: boolean;
    /** Heartbeat within service_down_time. */
    readonly up: boolean;
  };

  readonly hypervisorType: string;
  readonly hypervisorVersion: number;
  /** Parsed cpu_info JSON (arch, model, vendor…). */
  readonly cpuInfo: Record<string, unknown>;

  /** Totals reported by the hypervisor. */
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly localGb: number;
  /** Kept for the host itself. */
  readonly reservedVcpus: number;
  readonly reservedMemoryMb: number;
  readonly reservedDiskGb: number;
  /** Claimed by instances. */
  readonly vcpusUsed: number;
  readonly memoryMbUsed: number;
  readonly localGbUsed: number;

  readonly cpuAllocationRatio: number;
  readonly ramAllocationRatio: number;
  readonly diskAllocationRatio: number;

  readonly numInstances: number;
  /** uuids of the instances placed on this host (SameHost/DifferentHost). */
  readonly instanceUuids: ReadonlySet<string>;
}

/** Free capacity under the allocation ratios: what a new claim may still take. */
export function freeVcpus(h: HostState): number {
  return (h.vcpus - h.reservedVcpus) * h.cpuAllocationRatio - h.vcpusUsed;
}
export function freeRamMb(h: HostState): number {
  return (h.memoryMb - h.reservedMemoryMb) * h.ramAllocationRatio - h.memoryMbUsed;
}
export function freeDiskGb(h: HostState): number {
  return (h.localGb - h.reservedDiskGb) * h.diskAllocationRatio - h.localGbUsed;
}
