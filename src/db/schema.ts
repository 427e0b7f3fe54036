import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. Datetimes are naive UTC
 * strings 'YYYY-MM-DD HH:MM:SS.ffffff' on both backends; booleans are 0/1.
 * Soft-deleted rows have `deleted` = their id and `deleted_at` set, as in Nova.
 */
type Timestamp = string;
type Bool = ColumnType<number, number | boolean | undefined, number | boolean>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

interface Timestamps {
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}
interface SoftDelete {
  deleted_at: Defaulted<Timestamp | null>;
  deleted: Defaulted<number>;
}

export interface ServicesTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  host: string;
  binary: string;
  topic: string | null;
  report_count: Defaulted<number>;
  disabled: Bool;
  disabled_reason: Defaulted<string | null>;
  last_seen_up: Defaulted<Timestamp | null>;
  forced_down: Bool;
  version: Defaulted<number>;
}

export interface ComputeNodesTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  service_id: number | null;
  host: string;
  hypervisor_hostname: string;
  hypervisor_type: string;
  hypervisor_version: number;
  cpu_info: Defaulted<string>;
  host_ip: string | null;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  /** Claimed by the scheduler (sum of allocations), maintained atomically with them. */
  vcpus_used: Defaulted<number>;
  memory_mb_used: Defaulted<number>;
  local_gb_used: Defaulted<number>;
  running_vms: Defaulted<number>;
  reserved_vcpus: Defaulted<number>;
  reserved_memory_mb: Defaulted<number>;
  reserved_disk_gb: Defaulted<number>;
  disk_available_least: Defaulted<number | null>;
  current_workload: Defaulted<number>;
  cpu_allocation_ratio: number;
  ram_allocation_ratio: number;
  disk_allocation_ratio: number;
  /** Bumped on every inventory or claim change (optimistic concurrency). */
  generation: Defaulted<number>;
  stats: Defaulted<string>;
  /** JSON object of the driver's capabilities (objects/compute-node.ts); null until nova-compute reports them. */
  capabilities: Defaulted<string | null>;
}

export interface AllocationsTable {
  id: Generated<number>;
  consumer_uuid: string;
  compute_node_id: number;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
  created_at: Timestamp;
}

export interface InstancesTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  user_id: string;
  project_id: string;
  image_ref: Defaulted<string>;
  kernel_id: Defaulted<string>;
  ramdisk_id: Defaulted<string>;
  hostname: Defaulted<string | null>;
  host: Defaulted<string | null>;
  node: Defaulted<string | null>;
  launch_index: Defaulted<number>;
  key_name: Defaulted<string | null>;
  key_data: Defaulted<string | null>;
  power_state: Defaulted<number>;
  vm_state: string;
  task_state: Defaulted<string | null>;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  instance_type_id: number;
  /** JSON: the flavor snapshot taken at boot (or the new flavor once a resize finished). */
  flavor: string;
  /** JSON: the flavors of a resize in progress (migration 008). */
  old_flavor: Defaulted<string | null>;
  new_flavor: Defaulted<string | null>;
  display_name: Defaulted<string | null>;
  display_description: Defaulted<string | null>;
  availability_zone: Defaulted<string | null>;
  locked: Bool;
  /** OS-DCF:diskConfig AUTO (migration 009). */
  auto_disk_config: Bool;
  locked_by: Defaulted<string | null>;
  locked_reason: Defaulted<string | null>;
  reservation_id: string;
  launched_at: Defaulted<Timestamp | null>;
  terminated_at: Defaulted<Timestamp | null>;
  scheduled_at: Defaulted<Timestamp | null>;
  user_data: Defaulted<string | null>;
  config_drive: Defaulted<string>;
  access_ip_v4: Defaulted<string | null>;
  access_ip_v6: Defaulted<string | null>;
  progress: Defaulted<number>;
  root_device_name: Defaulted<string | null>;
  /** JSON objects and arrays. */
  metadata: Defaulted<string>;
  system_metadata: Defaulted<string>;
  /** JSON: the network info cache, a list of VIFs (migration 011). */
  network_info: Defaulted<string>;
  tags: Defaulted<string>;
  trusted_certs: Defaulted<string | null>;
}

export interface InstanceFaultsTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  instance_uuid: string;
  code: number;
  message: string;
  details: Defaulted<string>;
  host: Defaulted<string | null>;
}

export interface InstanceActionsTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  action: string;
  instance_uuid: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time: Timestamp;
  finish_time: Defaulted<Timestamp | null>;
  message: Defaulted<string | null>;
}

export interface InstanceActionsEventsTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  event: string;
  action_id: number;
  start_time: Timestamp;
  finish_time: Defaulted<Timestamp | null>;
  result: Defaulted<string | null>;
  traceback: Defaulted<string | null>;
  host: Defaulted<string | null>;
  details: Defaulted<string | null>;
}

export interface FlavorsTable extends Timestamps {
  id: Generated<number>;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  vcpu_weight: number | null;
  disabled: Bool;
  is_public: Bool;
  description: string | null;
  /** JSON object of extra specs. */
  extra_specs: Defaulted<string>;
}

export interface FlavorProjectsTable extends Timestamps {
  id: Generated<number>;
  flavor_id: number;
  project_id: string;
}

export interface QuotasTable extends Timestamps {
  id: Generated<number>;
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface KeyPairsTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  name: string;
  user_id: string;
  fingerprint: string;
  public_key: string;
  type: string;
}

export interface MigrationsTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  instance_uuid: string;
  source_compute: string | null;
  dest_compute: string | null;
  source_node: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: number | null;
  new_instance_type_id: number | null;
  status: string;
  migration_type: string;
  hidden: Bool;
  user_id: string | null;
  project_id: string | null;
  memory_total: number | null;
  memory_processed: number | null;
  memory_remaining: number | null;
  disk_total: number | null;
  disk_processed: number | null;
  disk_remaining: number | null;
}

/** aggregates (migration 004): host aggregates, soft deleted; names unique among live rows. */
export interface AggregatesTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  name: string;
}

/** aggregate_hosts (migration 004): the compute hosts of each aggregate. */
export interface AggregateHostsTable extends Timestamps {
  id: Generated<number>;
  aggregate_id: number;
  host: string;
}

/** aggregate_metadata (migration 004): key/value metadata of each aggregate (`availability_zone` names its zone). */
export interface AggregateMetadataTable extends Timestamps {
  id: Generated<number>;
  aggregate_id: number;
  key: string;
  value: string;
}

/** instance_groups (migration 005): server groups, soft deleted; `rules` is a JSON object. */
export interface InstanceGroupsTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  name: string | null;
  project_id: string;
  user_id: string;
  policy: string;
  rules: Defaulted<string>;
}

/** instance_group_member (migration 005): the instances of each server group. */
export interface InstanceGroupMemberTable extends Timestamps {
  id: Generated<number>;
  group_id: number;
  instance_uuid: string;
}

/** request_specs: each instance's RequestSpec (JSON), as its build asked. */
export interface RequestSpecsTable {
  id: Generated<number>;
  created_at: string | null;
  updated_at: string | null;
  instance_uuid: string;
  spec: string;
  requeues: Generated<number>;
}

/** quota_classes (migration 010): limits per quota class; the `default` class overrides the [quota] defaults. */
export interface QuotaClassesTable {
  id: Generated<number>;
  created_at: string | null;
  updated_at: string | null;
  class_name: string;
  resource: string;
  hard_limit: number;
}

/** project_user_quotas (migration 010): limits of one user within a project. */
export interface ProjectUserQuotasTable {
  id: Generated<number>;
  created_at: string | null;
  updated_at: string | null;
  user_id: string;
  project_id: string;
  resource: string;
  hard_limit: number;
}

/** task_log (migration 010): periodic audit task runs per host and period. */
export interface TaskLogTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  task_name: string;
  state: string;
  host: string;
  period_beginning: string;
  period_ending: string;
  message: string;
  task_items: Defaulted<number>;
  errors: Defaulted<number>;
}

/** block_device_mapping (migration 012): an instance's volumes and boot disks (objects/block-device.ts). */
export interface BlockDeviceMappingTable extends Timestamps, SoftDelete {
  id: Generated<number>;
  uuid: string;
  instance_uuid: string;
  source_type: string;
  destination_type: string;
  device_name: string | null;
  boot_index: number | null;
  delete_on_termination: Defaulted<number>;
  volume_id: string | null;
  snapshot_id: string | null;
  image_id: string | null;
  volume_size: number | null;
  attachment_id: string | null;
  connection_info: string | null;
  tag: string | null;
  guest_format: string | null;
  disk_bus: string | null;
  device_type: string | null;
  volume_type: string | null;
  no_device: Defaulted<number>;
}

export interface NovaDatabase {
  services: ServicesTable;
  compute_nodes: ComputeNodesTable;
  allocations: AllocationsTable;
  instances: InstancesTable;
  instance_faults: InstanceFaultsTable;
  instance_actions: InstanceActionsTable;
  instance_actions_events: InstanceActionsEventsTable;
  flavors: FlavorsTable;
  flavor_projects: FlavorProjectsTable;
  quotas: QuotasTable;
  key_pairs: KeyPairsTable;
  migrations: MigrationsTable;
  request_specs: RequestSpecsTable;
  aggregates: AggregatesTable;
  aggregate_hosts: AggregateHostsTable;
  aggregate_metadata: AggregateMetadataTable;
  instance_groups: InstanceGroupsTable;
  instance_group_member: InstanceGroupMemberTable;
  quota_classes: QuotaClassesTable;
  project_user_quotas: ProjectUserQuotasTable;
  task_log: TaskLogTable;
  block_device_mapping: BlockDeviceMappingTable;
}
