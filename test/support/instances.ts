/** Instance records for tests that drive a driver or a view directly (no database): one shape, defaults that spawn. */
import { randomUUID } from 'node:crypto';
import type { FlavorSnapshot, InstanceDTO } from '../../src/objects/instance.ts';
import { PowerState } from '../../src/objects/states.ts';

let nextId = 1;

/** The smallest flavor the test guest boots with: 1 vCPU, 128 MiB, 1 GiB root disk. */
export const NANO: FlavorSnapshot = {
  id: 1,
  flavorid: 'nano',
  name: 'm1.nano',
  memory_mb: 128,
  vcpus: 1,
  root_gb: 1,
  ephemeral_gb: 0,
  swap: 0,
  rxtx_factor: 1,
  vcpu_weight: null,
  extra_specs: {},
  description: null,
};

/** An instance being spawned (building/spawning) on `host`, of the m1.nano flavor; `over` changes any field. */
export function instanceFixture(over: Partial<InstanceDTO> = {}): InstanceDTO {
  const id = over.id ?? nextId++;
  const name = over.display_name ?? `vm-${id}`;
  const host = over.host ?? 'test-host';
  const flavor = over.flavor ?? NANO;
  return {
    id,
    uuid: randomUUID(),
    user_id: 'u',
    project_id: 'p',
    image_ref: 'image',
    kernel_id: '',
    ramdisk_id: '',
    hostname: name,
    host,
    node: host,
    launch_index: 0,
    key_name: null,
    key_data: null,
    power_state: PowerState.NOSTATE,
    vm_state: 'building',
    task_state: 'spawning',
    memory_mb: flavor.memory_mb,
    vcpus: flavor.vcpus,
    root_gb: flavor.root_gb,
    ephemeral_gb: flavor.ephemeral_gb,
    instance_type_id: flavor.id,
    flavor,
    old_flavor: null,
    new_flavor: null,
    display_name: name,
    display_description: null,
    availability_zone: null,
    locked: false,
    auto_disk_config: false,
    network_info: [],
    locked_by: null,
    locked_reason: null,
    reservation_id: `r-${id}`,
    launched_at: null,
    terminated_at: null,
    scheduled_at: null,
    user_data: null,
    config_drive: '',
    access_ip_v4: null,
    access_ip_v6: null,
    progress: 0,
    root_device_name: null,
    metadata: {},
    system_metadata: {},
    tags: [],
    created_at: null,
    updated_at: null,
    deleted_at: null,
    deleted: false,
    ...over,
  };
}
