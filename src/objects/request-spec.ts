import type { FlavorSnapshot, InstanceDTO } from './instance.ts';
import type { RequestedNetwork } from './network-info.ts';

/** Scheduler hints a client may pass (os:scheduler_hints). */
export interface SchedulerHints {
  same_host?: string[];
  different_host?: string[];
  /** The uuid of the server group the new servers join. */
  group?: string;
  [key: string]: unknown;
}

/** The image a server boots from, as far as scheduling cares. */
export interface ImageMeta {
  id: string;
  /** Image properties (hw_architecture, img_hv_type, hw_vm_mode, img_hv_requested_version…). */
  properties: Record<string, string>;
}

/**
 * The server group of a request, as the scheduler needs it (Nova's
 * RequestSpec.instance_group): the policy, the member instances (including
 * the ones being scheduled) and the hosts the members already run on.
 */
export interface InstanceGroupSpec {
  uuid: string;
  policy: string;
  members: string[];
  hosts: string[];
  rules: Record<string, number>;
}

/** Where a move must go (Nova's RequestSpec.requested_destination): a host, and maybe one node of it. */
export interface RequestedDestination {
  host: string;
  node?: string | null;
}

/** What one build asks of the scheduler (Nova's RequestSpec). Crosses the bus. */
export interface RequestSpec {
  instance_uuids: string[];
  num_instances: number;
  project_id: string;
  user_id: string;
  flavor: FlavorSnapshot;
  image: ImageMeta;
  /** Requested zone, or null for any. */
  availability_zone: string | null;
  /** `zone:host[:node]` forced destination (admin only), split out. */
  force_hosts: string[];
  force_nodes: string[];
  scheduler_hints: SchedulerHints;
  /** Hosts already tried for this build (reschedules). */
  ignore_hosts: string[];
  retry: { num_attempts: number; hosts: string[] };
  /** The server group the instances join (scheduler hint `group`); absent without one. */
  instance_group?: InstanceGroupSpec;
  /** A move's required destination (host, node). */
  requested_destination?: RequestedDestination | null;
  /** The ports to create or bind, as nova-api resolved them (network uuids, port ids); absent or empty: none. */
  requested_networks?: RequestedNetwork[];
  /** Ids of the security groups of the ports nova creates; empty: the project's default group. */
  security_groups?: string[];
}

/**
 * A RequestSpec rebuilt from the instance alone (Nova's
 * RequestSpec.from_components, for an instance whose spec was never
 * stored): its flavor, its image with the properties kept in
 * system_metadata (`image_<name>`), its zone; scheduler hints are lost.
 */
export function requestSpecFromInstance(inst: InstanceDTO): RequestSpec {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(inst.system_metadata)) {
    if (k.startsWith('image_') && k !== 'image_base_image_ref') properties[k.slice('image_'.length)] = v;
  }
  return {
    instance_uuids: [inst.uuid],
    num_instances: 1,
    project_id: inst.project_id,
    user_id: inst.user_id,
    flavor: inst.flavor,
    image: { id: inst.image_ref, properties },
    availability_zone: inst.availability_zone,
    force_hosts: [],
    force_nodes: [],
    scheduler_hints: {},
    ignore_hosts: [],
    retry: { num_attempts: 1, hosts: [] },
  };
}
