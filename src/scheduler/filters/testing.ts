import type { FlavorSnapshot } from '../../objects/instance.ts';
import type { ImageMeta, RequestSpec, SchedulerHints } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';

/** Overrides for {@link fakeHost}: any HostState field, the service in part, uuids as any iterable. */
export type HostOverrides = Partial<Omit<HostState, 'service' | 'instanceUuids'>> & {
  service?: Partial<HostState['service']>;
  instanceUuids?: Iterable<string>;
};

/** A healthy, empty compute host: 8 vCPUs, 16384 MiB, 100 GB, ratios 1, zone 'nova'. Tests only. */
export function fakeHost(overrides: HostOverrides = {}): HostState {
  const { service, instanceUuids, ...rest } = overrides;
  const host = rest.host ?? 'host1';
  return {
    host,
    nodename: host,
    nodeId: 1,
    nodeUuid: '00000000-0000-4000-8000-000000000001',
    availabilityZone: 'nova',
    hypervisorType: 'fake',
    hypervisorVersion: 1000,
    cpuInfo: { arch: 'x86_64' },
    vcpus: 8,
    memoryMb: 16384,
    localGb: 100,
    reservedVcpus: 0,
    reservedMemoryMb: 0,
    reservedDiskGb: 0,
    vcpusUsed: 0,
    memoryMbUsed: 0,
    localGbUsed: 0,
    cpuAllocationRatio: 1,
    ramAllocationRatio: 1,
    diskAllocationRatio: 1,
    numInstances: 0,
    ...rest,
    service: { id: 1, disabled: false, disabledReason: null, forcedDown: false, up: true, ...service },
    instanceUuids: new Set(instanceUuids ?? []),
  };
}

/** Overrides for {@link fakeSpec}: the flavor and image are merged field by field. */
export type SpecOverrides = Partial<Omit<RequestSpec, 'flavor' | 'image'>> & {
  flavor?: Partial<FlavorSnapshot>;
  image?: Partial<ImageMeta>;
};

/** A request for one m1.tiny-sized server (1 vCPU, 512 MiB, 1 GB) from an image without properties. Tests only. */
export function fakeSpec(overrides: SpecOverrides = {}): RequestSpec {
  const { flavor, image, ...rest } = overrides;
  return {
    instance_uuids: ['11111111-1111-4111-8111-111111111111'],
    num_instances: 1,
    project_id: 'demo',
    user_id: 'demo',
    availability_zone: null,
    force_hosts: [],
    force_nodes: [],
    scheduler_hints: {},
    ignore_hosts: [],
    retry: { num_attempts: 1, hosts: [] },
    ...rest,
    flavor: {
      id: 1,
      flavorid: '1',
      name: 'm1.tiny',
      memory_mb: 512,
      vcpus: 1,
      root_gb: 1,
      ephemeral_gb: 0,
      swap: 0,
      rxtx_factor: 1,
      vcpu_weight: null,
      extra_specs: {},
      description: null,
      ...flavor,
    },
    image: { id: '22222222-2222-4222-8222-222222222222', properties: {}, ...image },
  };
}

/**
 * Hints as a client may send them: Nova's API also takes a lone uuid for
 * same_host/different_host, which SchedulerHints does not type. Tests only.
 */
export function wireHints(hints: Record<string, unknown>): SchedulerHints {
  return hints as SchedulerHints;
}
