import type { FlavorDTO } from './flavor.ts';
import type { NetworkInfo } from './network-info.ts';

/** The flavor as it was when the instance was built (kept with the instance). */
export type FlavorSnapshot = Pick<
  FlavorDTO,
  'id' | 'flavorid' | 'name' | 'memory_mb' | 'vcpus' | 'root_gb' | 'ephemeral_gb' | 'swap' | 'rxtx_factor' | 'vcpu_weight' | 'extra_specs' | 'description'
>;

/** An instance as it crosses the bus. Datetimes are naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export interface InstanceDTO {
  id: number;
  uuid: string;
  user_id: string;
  project_id: string;
  image_ref: string;
  kernel_id: string;
  ramdisk_id: string;
  hostname: string | null;
  host: string | null;
  node: string | null;
  launch_index: number;
  key_name: string | null;
  key_data: string | null;
  power_state: number;
  vm_state: string;
  task_state: string | null;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  instance_type_id: number;
  flavor: FlavorSnapshot;
  /** The flavors of a resize in progress (Nova's old_flavor/new_flavor); null otherwise. */
  old_flavor: FlavorSnapshot | null;
  new_flavor: FlavorSnapshot | null;
  display_name: string | null;
  display_description: string | null;
  availability_zone: string | null;
  locked: boolean;
  /** OS-DCF:diskConfig: AUTO (true) or MANUAL (false). */
  auto_disk_config: boolean;
  locked_by: string | null;
  locked_reason: string | null;
  reservation_id: string;
  launched_at: string | null;
  terminated_at: string | null;
  scheduled_at: string | null;
  user_data: string | null;
  config_drive: string;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  progress: number;
  root_device_name: string | null;
  metadata: Record<string, string>;
  system_metadata: Record<string, string>;
  tags: string[];
  /** The network info cache: the VIFs of the instance's ports ([] without ports). */
  network_info: NetworkInfo;
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}

/** Fields an update may change. */
export type InstanceUpdate = Partial<Omit<InstanceDTO, 'id' | 'uuid' | 'created_at' | 'deleted'>>;

/** A recorded failure of an instance (shown as `fault` in the API). */
export interface InstanceFaultDTO {
  id: number;
  instance_uuid: string;
  code: number;
  message: string;
  details: string;
  host: string | null;
  created_at: string | null;
}

export interface InstanceActionDTO {
  id: number;
  action: string;
  instance_uuid: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time: string;
  finish_time: string | null;
  message: string | null;
  updated_at: string | null;
}

export interface InstanceActionEventDTO {
  id: number;
  event: string;
  action_id: number;
  start_time: string;
  finish_time: string | null;
  result: string | null;
  traceback: string | null;
  host: string | null;
  details: string | null;
}
