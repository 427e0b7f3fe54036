/**
 * A build's volumes (Nova's _prep_block_device with
 * DriverVolumeBlockDevice / DriverImageBlockDevice and friends): each
 * mapping with destination volume gets its volume — one the API reserved
 * (source volume), or one made here through the volume service from an
 * image, a snapshot or nothing (source image/snapshot/blank), waited for
 * until it is available ([cinder] volume_wait_seconds) — then an
 * attachment connected to this host's connector and completed; the
 * connection_info goes to the mapping and the driver gets the block device
 * info for spawn. A failure here aborts the build (Nova's
 * BuildAbortException: the volumes would be the same on any host).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestContext } from '../context.ts';
import { VolumeNotCreated } from '../exception/volume.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { BlockDeviceInfo, DriverVolume } from '../virt/driver.ts';
import { terminateConnections } from './move-volumes.ts';
import { connect, driverVolume, ROOT_DEVICE, type VolumeDeps, volumeOf } from './volumes.ts';

type Deps = VolumeDeps;

/** Wait until the volume nova made is available (Nova's _await_block_device_map_created). */
async function awaitCreated(d: Deps, ctx: RequestContext, volumeId: string): Promise<void> {
  const seconds = d.conf.cinder.volume_wait_seconds;
  const deadline = Date.now() + seconds * 1000;
  let attempts = 0;
  for (;;) {
    attempts++;
    const v = await volumeOf(d).getVolume(ctx, volumeId);
    if (v.status === 'available') return;
    if (v.status === 'error' || Date.now() > deadline) throw VolumeNotCreated.of(volumeId, seconds, attempts, v.status);
    await sleep(Math.min(500 * attempts, 3000));
  }
}

/** The volume of a mapping that asks for a new one (source image, snapshot or blank), made in the instance's zone, then reserved for it. */
async function createVolume(d: Deps, ctx: RequestContext, instance: InstanceDTO, bdm: BlockDeviceMappingDTO): Promise<BlockDeviceMappingDTO> {
  const cinder = volumeOf(d);
  const v = await cinder.createVolume(ctx, {
    size: bdm.volume_size ?? 1,
    name: `${instance.uuid}-${bdm.source_type === 'image' ? 'image' : bdm.source_type}`,
    imageRef: bdm.source_type === 'image' ? bdm.image_id : null,
    snapshot_id: bdm.source_type === 'snapshot' ? bdm.snapshot_id : null,
    volume_type: bdm.volume_type,
    availability_zone: d.conf.cinder.cross_az_attach ? null : instance.availability_zone,
  });
  d.log.info({ instance: instance.uuid, volume: v.id, source: bdm.source_type }, 'created a volume for the build');
  const withVolume = await d.conductor.bdm_update(ctx, { uuid: bdm.uuid, updates: { volume_id: v.id } });
  await awaitCreated(d, ctx, v.id);
  const att = await cinder.attachmentCreate(ctx, v.id, instance.uuid);
  return d.conductor.bdm_update(ctx, { uuid: withVolume.uuid, updates: { attachment_id: att.id } });
}

/**
 * The instance's volumes ready for spawn: made when asked for, attached to
 * this host, completed. Undefined when the instance has no volumes.
 */
export async function prepBlockDevices(d: Deps, ctx: RequestContext, instance: InstanceDTO): Promise<BlockDeviceInfo | undefined> {
  const bdms = (await d.conductor.bdm_list(ctx, { instance_uuid: instance.uuid })).filter((b) => b.destination_type === 'volume');
  if (!bdms.length) return undefined;
  const cinder = volumeOf(d);
  const volumes: DriverVolume[] = [];
  const used = new Set<string>([ROOT_DEVICE]);
  let n = 1;
  const nextName = () => {
    for (;;) {
      const name = `/dev/vd${String.fromCharCode(97 + n++)}`;
      if (!used.has(name)) return name;
    }
  };
  for (const b of bdms) if (b.device_name) used.add(b.device_name);
  for (const original of [...bdms].sort((x, y) => (x.boot_index ?? 99) - (y.boot_index ?? 99))) {
    let bdm = original;
    if (!bdm.volume_id && bdm.source_type !== 'volume') bdm = await createVolume(d, ctx, instance, bdm);
    else if (!bdm.attachment_id && bdm.volume_id) {
      const att = await cinder.attachmentCreate(ctx, bdm.volume_id, instance.uuid);
      bdm = await d.conductor.bdm_update(ctx, { uuid: bdm.uuid, updates: { attachment_id: att.id } });
    }
    if (!bdm.device_name) {
      const name = bdm.boot_index === 0 ? ROOT_DEVICE : nextName();
      used.add(name);
      bdm = await d.conductor.bdm_update(ctx, { uuid: bdm.uuid, updates: { device_name: name } });
    }
    const connected = await connect(d, ctx, bdm);
    if (connected.bdm.attachment_id) await cinder.attachmentComplete(ctx, connected.bdm.attachment_id);
    volumes.push(driverVolume(connected.bdm, connected.info));
  }
  return { root_device_name: ROOT_DEVICE, block_device_mapping: volumes };
}

/**
 * A failed spawn goes to another host: each attachment connected here is
 * replaced by a reservation without a connector (as Nova's conductor makes
 * for a reschedule, and as a move lets a host's connections go:
 * terminateConnections), so the next host connects it to itself.
 */
export function releaseForReschedule(d: Deps, ctx: RequestContext, instance: InstanceDTO): Promise<void> {
  return terminateConnections(d, ctx, instance.uuid);
}
