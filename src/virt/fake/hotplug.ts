/**
 * The fake driver's hot-plug: VIFs and volumes recorded in the guest
 * (FakeGuest.vifs, FakeGuest.disks), as a hypervisor would plug the
 * devices. Failure injection: instance metadata fake_attach_fail = true
 * fails an interface attach, fake_volume_attach_fail = true a volume
 * attach (a hypervisor that refuses the device).
 */
import { HypervisorError } from '../../exception/virt.ts';
import type { DriverCapabilities, DriverCapability } from '../../objects/compute-node.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { VifInfo } from '../../objects/network-info.ts';
import type { BlockDeviceInfo, DriverVolume } from '../driver.ts';
import type { FakeDisk, FakeGuest } from './hypervisor.ts';

export interface HotplugDeps {
  /** The guest; InstanceNotFound when the fake hypervisor has none. */
  get(instance: InstanceDTO): FakeGuest;
  /** DriverNotSupported unless the capability is on. */
  require(capability: DriverCapability, action: string): void;
  save(): void;
}

const disk = (v: DriverVolume): FakeDisk => ({ volume_id: v.volume_id, mount_device: v.mount_device, driver_volume_type: v.connection_info.driver_volume_type, tag: v.tag });

/** The disks of a guest given `info` (a spawn, the destination of a move). */
export function disksOf(info: BlockDeviceInfo | null | undefined): FakeDisk[] {
  return (info?.block_device_mapping ?? []).map(disk);
}

/** The disks a spawn gives the guest from its block device info. */
export function spawnDisks(caps: DriverCapabilities, info: BlockDeviceInfo | undefined): FakeDisk[] {
  if (info?.block_device_mapping.length && !caps.supports_attach_volume) throw new HypervisorError('fake driver: volumes in block_device_info but supports_attach_volume is off');
  return disksOf(info);
}

export async function attachInterface(d: HotplugDeps, instance: InstanceDTO, vif: VifInfo): Promise<void> {
  d.require('supports_attach_interface', 'attach_interface');
  const g = d.get(instance);
  if (instance.metadata.fake_attach_fail === 'true') throw new HypervisorError(`fake driver: injected attach failure of ${vif.id}`);
  g.vifs = [...(g.vifs ?? []).filter((id) => id !== vif.id), vif.id];
  d.save();
}

export async function detachInterface(d: HotplugDeps, instance: InstanceDTO, vif: VifInfo): Promise<void> {
  d.require('supports_attach_interface', 'detach_interface');
  const g = d.get(instance);
  g.vifs = (g.vifs ?? []).filter((id) => id !== vif.id);
  d.save();
}

export async function attachVolume(d: HotplugDeps, instance: InstanceDTO, volume: DriverVolume): Promise<void> {
  d.require('supports_attach_volume', 'attach_volume');
  const g = d.get(instance);
  if (instance.metadata.fake_volume_attach_fail === 'true') throw new HypervisorError(`fake driver: injected attach failure of volume ${volume.volume_id}`);
  if ((g.disks ?? []).some((x) => x.mount_device === volume.mount_device)) throw new HypervisorError(`fake driver: the guest already has a disk at ${volume.mount_device}`);
  g.disks = [...(g.disks ?? []).filter((x) => x.volume_id !== volume.volume_id), disk(volume)];
  d.save();
}

export async function detachVolume(d: HotplugDeps, instance: InstanceDTO, volume: DriverVolume): Promise<void> {
  d.require('supports_attach_volume', 'detach_volume');
  const g = d.get(instance);
  g.disks = (g.disks ?? []).filter((x) => x.volume_id !== volume.volume_id);
  d.save();
}
