/**
 * Volumes on this host (Nova's ComputeManager.reserve_block_device_name,
 * attach_volume, detach_volume and nova.virt.block_device's
 * DriverVolumeBlockDevice with new-style attachments): the API reserved the
 * volume (an attachment without a connector); here the attachment is
 * updated with this host's connector, which gives the connection_info, the
 * driver attaches the disk, and the attachment is completed (the volume is
 * in-use). A failed attach gives the attachment back and drops the mapping.
 * Detach: the driver lets go of the disk, the attachment is deleted (the
 * volume is available again), the mapping goes. One volume operation at a
 * time per instance, so device names are handed out once.
 */

import type { CinderClient, VolumeConnector } from '../clients/cinder.ts';
import { ABSENT_VOLUME_SERVICE } from '../clients/cinder-absent.ts';
import type { RequestContext } from '../context.ts';
import { DevicePathInUse, VolumeAttachNotSupported, VolumeBDMNotFound, VolumeTaggedAttachNotSupported } from '../exception/volume.ts';
import type { BdmConnectionInfo, BlockDeviceMappingDTO } from '../objects/block-device.ts';
import { newBdm } from '../objects/block-device.ts';
import type { DriverVolume } from '../virt/driver.ts';
import { type ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

/** What the volume steps of a build and of attach/detach use. */
export type VolumeDeps = Pick<ComputeOps, 'host' | 'address' | 'conductor' | 'log' | 'conf'> & { readonly volume?: CinderClient | undefined };

/** The volume operation running per instance. */
const running = new Map<string, Promise<unknown>>();

export async function serialized<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
  const before = running.get(uuid) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(fn);
  running.set(uuid, mine);
  try {
    return await mine;
  } finally {
    if (running.get(uuid) === mine) running.delete(uuid);
  }
}

/** The host's volume service; without one, a service where no volume exists. */
export function volumeOf(ops: { readonly volume?: CinderClient | undefined }): CinderClient {
  return ops.volume ?? ABSENT_VOLUME_SERVICE;
}

/** This host's connector (os-brick's get_connector_properties: host, ip, platform, os type). */
export function connectorOf(ops: Pick<ComputeOps, 'host' | 'address'>): VolumeConnector {
  return { host: ops.host, ip: ops.address, platform: process.arch, os_type: process.platform, multipath: false };
}

/** The root disk's name and the prefix of the others (virtio: vda, vdb, …). */
export const ROOT_DEVICE = '/dev/vda';

/** The next free device name after those used (Nova's get_next_device_name); a requested one when it is free. */
export function nextDeviceName(used: readonly (string | null)[], requested: string | null): string {
  const taken = new Set([ROOT_DEVICE, ...used.filter((d): d is string => d !== null)]);
  if (requested) {
    if (taken.has(requested)) throw DevicePathInUse.of(requested);
    return requested;
  }
  for (let i = 1; i < 26 * 27; i++) {
    const letters = i < 26 ? String.fromCharCode(97 + i) : String.fromCharCode(96 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26));
    const name = `/dev/vd${letters}`;
    if (!taken.has(name)) return name;
  }
  throw DevicePathInUse.of('/dev/vd*');
}

/** A mapping as the driver sees it, with its connection_info. */
export function driverVolume(bdm: BlockDeviceMappingDTO, connectionInfo: BdmConnectionInfo): DriverVolume {
  return {
    connection_info: connectionInfo,
    mount_device: bdm.device_name ?? ROOT_DEVICE,
    volume_id: bdm.volume_id ?? '',
    disk_bus: bdm.disk_bus,
    device_type: bdm.device_type,
    boot_index: bdm.boot_index,
    tag: bdm.tag,
  };
}

/**
 * Connect an attachment to this host (DriverVolumeBlockDevice.attach's new-style half):
 * attachment_update with the connector → the connection_info (serial: the volume id), saved in the mapping.
 */
export async function connect(ops: VolumeDeps, ctx: RequestContext, bdm: BlockDeviceMappingDTO): Promise<{ bdm: BlockDeviceMappingDTO; info: BdmConnectionInfo }> {
  if (!bdm.attachment_id || !bdm.volume_id) throw VolumeBDMNotFound.of(bdm.volume_id ?? bdm.uuid);
  const att = await volumeOf(ops).attachmentUpdate(ctx, bdm.attachment_id, connectorOf(ops), bdm.device_name);
  if (!att.connection_info) throw new VolumeBDMNotFound(`The volume service gave no connection_info for attachment ${bdm.attachment_id}.`, { volume_id: bdm.volume_id });
  const info: BdmConnectionInfo = { ...att.connection_info, serial: bdm.volume_id };
  const saved = await ops.conductor.bdm_update(ctx, { uuid: bdm.uuid, updates: { connection_info: info } });
  return { bdm: saved, info };
}

/** reserve_block_device_name (a call): the mapping of the volume about to be attached, with its device name. */
export async function reserveBlockDeviceName(ops: ComputeOps, ctx: RequestContext, a: ComputeArgs<'reserve_block_device_name'>): Promise<BlockDeviceMappingDTO> {
  const caps = ops.driver.capabilities;
  if (!caps.supports_attach_volume || !ops.driver.attachVolume) throw VolumeAttachNotSupported.of(a.instance.uuid);
  if (a.tag && !caps.supports_tagged_attach_volume) throw new VolumeTaggedAttachNotSupported();
  return serialized(a.instance.uuid, async () => {
    const bdms = await ops.conductor.bdm_list(ctx, { instance_uuid: a.instance.uuid });
    const device = nextDeviceName(
      bdms.map((b) => b.device_name),
      a.device,
    );
    return ops.conductor.bdm_create(ctx, {
      bdm: newBdm(a.instance.uuid, {
        source_type: 'volume',
        destination_type: 'volume',
        volume_id: a.volume_id,
        device_name: device,
        tag: a.tag,
        delete_on_termination: a.delete_on_termination,
        disk_bus: a.disk_bus,
        device_type: a.device_type ?? 'disk',
      }),
    });
  });
}

/** attach_volume (a cast): the disk attached and the volume in-use; a failure gives the attachment back, drops the mapping and is a fault. */
export async function attachVolume(ops: ComputeOps, ctx: RequestContext, a: ComputeArgs<'attach_volume'>): Promise<void> {
  const uuid = a.instance.uuid;
  const cinder = volumeOf(ops);
  await serialized(uuid, () =>
    ops
      .event(ctx, a.instance, 'compute_attach_volume', async () => {
        const instance = await ops.conductor.instance_get(ctx, { uuid });
        const { bdm, info } = await connect(ops, ctx, a.bdm);
        await ops.driver.attachVolume?.(instance, driverVolume(bdm, info));
        if (bdm.attachment_id) await cinder.attachmentComplete(ctx, bdm.attachment_id);
        ops.log.info({ instance: uuid, volume: bdm.volume_id, device: bdm.device_name }, 'volume attached');
      })
      .catch(async (e: unknown) => {
        ops.log.error({ instance: uuid, volume: a.bdm.volume_id, err: errorText(e) }, 'attach_volume failed; giving the attachment back');
        if (a.bdm.attachment_id) await cinder.attachmentDelete(ctx, a.bdm.attachment_id).catch(ops.logFailure(uuid, `delete attachment ${a.bdm.attachment_id}`));
        await ops.conductor.bdm_destroy(ctx, { uuid: a.bdm.uuid }).catch(ops.logFailure(uuid, 'drop the mapping of the failed attach'));
        await ops.fault(ctx, a.instance, e, 'attach_volume');
      }),
  );
}

/** detach_volume (a cast): the disk let go, the attachment deleted (the volume available again), the mapping gone; a failure is a fault. */
export async function detachVolume(ops: ComputeOps, ctx: RequestContext, a: ComputeArgs<'detach_volume'>): Promise<void> {
  const uuid = a.instance.uuid;
  await serialized(uuid, () =>
    ops
      .event(ctx, a.instance, 'compute_detach_volume', async () => {
        const instance = await ops.conductor.instance_get(ctx, { uuid });
        const bdm = (await ops.conductor.bdm_list(ctx, { instance_uuid: uuid })).find((b) => b.volume_id === a.volume_id);
        if (!bdm) throw VolumeBDMNotFound.of(a.volume_id);
        if (bdm.connection_info && ops.driver.detachVolume) await ops.driver.detachVolume(instance, driverVolume(bdm, bdm.connection_info));
        const attachment = a.attachment_id ?? bdm.attachment_id;
        if (attachment) await volumeOf(ops).attachmentDelete(ctx, attachment);
        await ops.conductor.bdm_destroy(ctx, { uuid: bdm.uuid });
        ops.log.info({ instance: uuid, volume: a.volume_id }, 'volume detached');
      })
      .catch(async (e: unknown) => {
        ops.log.error({ instance: uuid, volume: a.volume_id, err: errorText(e) }, 'detach_volume failed');
        await ops.fault(ctx, a.instance, e, 'detach_volume');
      }),
  );
}

/**
 * A deleted instance's volumes (Nova's _shutdown_instance / _cleanup_volumes):
 * each attachment deleted, the delete_on_termination volumes deleted, the
 * mappings gone. A failure is logged and the next volume handled (the
 * instance is deleted all the same).
 */
export async function cleanupVolumes(ops: ComputeOps, ctx: RequestContext, instanceUuid: string): Promise<void> {
  const cinder = volumeOf(ops);
  for (const bdm of await ops.conductor.bdm_list(ctx, { instance_uuid: instanceUuid })) {
    try {
      if (bdm.destination_type === 'volume' && bdm.volume_id) {
        if (bdm.attachment_id) await cinder.attachmentDelete(ctx, bdm.attachment_id).catch(ops.logFailure(instanceUuid, `delete attachment ${bdm.attachment_id}`));
        if (bdm.delete_on_termination) {
          await cinder.deleteVolume(ctx, bdm.volume_id);
          ops.log.info({ instance: instanceUuid, volume: bdm.volume_id }, 'deleted the volume (delete_on_termination)');
        }
      }
      await ops.conductor.bdm_destroy(ctx, { uuid: bdm.uuid });
    } catch (e) {
      ops.log.warn({ instance: instanceUuid, volume: bdm.volume_id, err: errorText(e) }, 'could not clean up a volume of the deleted instance');
    }
  }
}
