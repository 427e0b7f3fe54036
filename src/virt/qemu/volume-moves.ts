/**
 * Volumes across moves. A volume is a network disk (an NBD export of the
 * volume service): it is never copied, each host connects to it with its
 * own Cinder attachment (its own PSK identity and key), given by the
 * manager in the block device info of the move step.
 *
 * - Live migration: the destination starts its incoming QEMU with the
 *   volumes of the block device info (this host's connection info) after
 *   its disks and NICs, as every start lays them out (volumes.ts), and
 *   writes its volumes.json. It answers its PCI root-bus layout (slot →
 *   device id) in the migrate data; the source compares it with its own
 *   before it sends anything: device state is loaded by PCI address, so a
 *   volume at another slot would get another volume's state (a volume
 *   detached from between others, or attached before a NIC that was
 *   hot-plugged after it). Only the guest's own disk is mirrored to the
 *   destination; the source's NBD connections end with its QEMU.
 * - Cold move: the destination builds the guest with the block device
 *   info's volumes; revert restores the source's from its block device
 *   info (the source's connection info). The source says in the disk info
 *   how many volumes the guest had, so a destination given none refuses
 *   rather than booting the guest without them.
 */
import { HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { BlockDeviceInfo } from '../driver.ts';
import type { LiveMigrateData } from '../driver-moves.ts';
import type { Guest } from './guest.ts';
import { rootBusSlots } from './hotplug.ts';
import type { QmpClient } from './qmp.ts';
import { guestVolumes, setSpawnVolumes } from './volumes.ts';

/** The guest's volumes become those of `bdi` (this host's connection info); undefined leaves them. Answers how many it has now. */
export function setMoveVolumes(g: Guest, bdi: BlockDeviceInfo | undefined): number {
  if (bdi) setSpawnVolumes(g, bdi.block_device_mapping);
  return guestVolumes(g).length;
}

/** Whether `bdi` has a root volume (the guest has no disk of its own). */
export function hasRootVolume(bdi: BlockDeviceInfo | undefined): boolean {
  return bdi?.block_device_mapping.some((v) => v.boot_index === 0) ?? false;
}

/** The running guest's PCI root-bus layout as the migrate data carries it: `slot=id` by slot, `;`-separated ('' for devices without an id). */
export async function pciLayout(qmp: Pick<QmpClient, 'execute'>): Promise<string> {
  return (await rootBusSlots(qmp)).map((s) => `${s.slot}=${s.id}`).join(';');
}

/**
 * Source of a live migration: refuse when the destination's devices are
 * not at this guest's PCI slots (it would load one volume's device state
 * into another's), or when it has not said (an older destination).
 */
export async function checkDestinationLayout(qmp: Pick<QmpClient, 'execute'>, g: Guest, instance: InstanceDTO, data: LiveMigrateData): Promise<void> {
  const volumes = guestVolumes(g);
  const there = data.pci_layout;
  if (typeof there !== 'string') {
    if (!volumes.length) return;
    throw new HypervisorError(`the destination did not say where it put the volumes of instance ${instance.uuid}`, { uuid: instance.uuid });
  }
  // Guests without volumes keep checkNicLayout's check alone (hotplug.ts).
  if (!volumes.length && !/=volume-/.test(there)) return;
  const here = await pciLayout(qmp);
  if (here === there) return;
  throw new HypervisorError(
    `the devices of instance ${instance.uuid} would not be at the same PCI slots on the destination (here: ${here}; destination: ${there}): a volume or interface was detached from between others, or attached before one the next start puts first; power the guest off and on before a live migration`,
    { uuid: instance.uuid },
  );
}
