/**
 * createImage of a volume-backed server, nova-api's whole part (Nova's
 * compute.api.API.snapshot_volume_backed): no data is copied by a host.
 * Each volume of the instance gets a snapshot in the volume service (forced:
 * the volume is in use; "snapshot for <image name>"), after a best-effort
 * check of the snapshots quota; the image record is a bucket of properties
 * — the instance's image properties as a snapshot inherits them, its
 * root_device_name, and `block_device_mapping` (the mappings with the
 * snapshots as their sources, JSON as Nova's glance client stores it) with
 * `bdm_v2` — created with size 0, so it is active at once. Quiescing is
 * attempted for an ACTIVE instance only; no driver here can quiesce, which
 * is skipped unless the image requires it (os_require_quiesce: then 400
 * InstanceQuiesceNotSupported). The instance's task state does not change.
 */
import type { CinderClient } from '../clients/cinder.ts';
import { ABSENT_VOLUME_SERVICE } from '../clients/cinder-absent.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { Invalid } from '../exception/base.ts';
import { OverQuota } from '../exception/volume.ts';
import type { Logger } from '../log.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { VmState } from '../objects/states.ts';
import { checkState } from './guards.ts';
import { checkLaunched, requireImageService } from './lifecycle-guards.ts';
import { type SnapshotImages, snapshotMetadata } from './snapshot-images.ts';

export interface VolumeSnapshotDeps {
  readonly db: DbApi;
  readonly log: Logger;
  readonly snapshots?: SnapshotImages;
  /** The volume service as the caller; without one there is no volume to snapshot. */
  readonly volume?: CinderClient;
}

/** Nova's InstanceQuiesceNotSupported (an Invalid: 400). */
export class InstanceQuiesceNotSupported extends Invalid {
  static of(uuid: string): InstanceQuiesceNotSupported {
    return new InstanceQuiesceNotSupported(`Quiescing is not supported in instance ${uuid}`, { instance_id: uuid });
  }
}

/** The vm_states a server may be imaged in (Nova's check_instance_state of snapshot_volume_backed). */
const IMAGEABLE: readonly string[] = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED];
const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
/** Properties a volume-backed snapshot sets itself (cleaned before filling). */
const OWN_PROPERTIES = ['block_device_mapping', 'bdm_v2', 'root_device_name'];

/** One mapping as an image's block_device_mapping holds it (Nova's BlockDeviceDict.get_image_mapping: every field, no connection_info or database ids). */
export interface ImageBdm {
  source_type: string | null;
  destination_type: string | null;
  guest_format: string | null;
  device_type: string | null;
  disk_bus: string | null;
  boot_index: number | null;
  device_name: string | null;
  delete_on_termination: boolean;
  snapshot_id: string | null;
  volume_id: string | null;
  volume_size: number | null;
  image_id: string | null;
  no_device: boolean | null;
  tag: string | null;
  volume_type: string | null;
  encrypted: boolean | null;
  encryption_secret_uuid: string | null;
  encryption_format: string | null;
  encryption_options: string | null;
}

/** Nova's prepend_dev. */
const withDev = (name: string | null): string | null => (name ? (name.startsWith('/dev/') ? name : `/dev/${name}`) : null);

/** get_image_mapping of a mapping (or of block_device.snapshot_from_bdm's dict: `snapshotId` given). */
export function imageMapping(bdm: BlockDeviceMappingDTO, snapshotId?: string): ImageBdm {
  const fromSnapshot = snapshotId !== undefined;
  return {
    source_type: fromSnapshot ? 'snapshot' : bdm.source_type,
    destination_type: fromSnapshot ? 'volume' : bdm.destination_type,
    guest_format: fromSnapshot ? null : bdm.guest_format,
    device_type: bdm.device_type,
    disk_bus: bdm.disk_bus,
    boot_index: bdm.boot_index,
    device_name: withDev(bdm.device_name),
    delete_on_termination: bdm.delete_on_termination,
    snapshot_id: fromSnapshot ? snapshotId : bdm.snapshot_id,
    volume_id: fromSnapshot ? null : bdm.volume_id,
    volume_size: bdm.volume_size,
    image_id: fromSnapshot ? null : bdm.image_id,
    no_device: null,
    tag: fromSnapshot ? null : bdm.tag,
    volume_type: fromSnapshot ? null : bdm.volume_type,
    encrypted: null,
    encryption_secret_uuid: null,
    encryption_format: null,
    encryption_options: null,
  };
}

/** Nova's compute.utils.is_volume_backed_instance: the root mapping is a volume; with no root mapping, an instance without an image. */
export function isVolumeBacked(inst: InstanceDTO, bdms: readonly BlockDeviceMappingDTO[]): boolean {
  const root = bdms.find((b) => b.boot_index === 0);
  if (root) return root.destination_type === 'volume';
  return !inst.image_ref;
}

/** snapshot_volume_backed: the volumes' snapshots and the image that refers to them; answers the image's id. */
export async function snapshotVolumeBacked(
  d: VolumeSnapshotDeps,
  ctx: RequestContext,
  inst: InstanceDTO,
  name: string,
  metadata: Readonly<Record<string, string>>,
): Promise<{ id: string }> {
  checkState(inst, 'snapshot_volume_backed', IMAGEABLE, [null]);
  checkLaunched(inst, 'snapshot_volume_backed');
  const images = requireImageService(d.snapshots, 'createImage');
  const image = snapshotMetadata(ctx, inst, name, metadata);
  // Nova's own properties are set anew, whatever was inherited or asked for.
  for (const k of OWN_PROPERTIES) delete image.properties[k];
  const bdms = await d.db.blockDevices.listByInstance(inst.uuid);
  const root = bdms.find((b) => b.boot_index === 0);
  // Nova's instance.root_device_name; a build here records it on the root mapping only.
  const rootDevice = inst.root_device_name ?? withDev(root?.device_name ?? null);
  if (rootDevice) image.properties.root_device_name = rootDevice;
  const mapping: ImageBdm[] = [];
  const volumeBdms = bdms.filter((b) => {
    if (b.destination_type === 'volume') return true;
    mapping.push(imageMapping(b));
    return false;
  });
  const volume = d.volume ?? ABSENT_VOLUME_SERVICE;
  if (volumeBdms.length) {
    const limits = await volume.absoluteLimits(ctx);
    const max = limits.maxTotalSnapshots ?? -1;
    if (max > -1 && volumeBdms.length + (limits.totalSnapshotsUsed ?? 0) > max) {
      d.log.debug(
        { instance: inst.uuid, used: limits.totalSnapshotsUsed, requested: volumeBdms.length, max },
        'unable to create volume snapshots for the instance: over the snapshots quota',
      );
      throw new OverQuota('Quota exceeded for resources: snapshots', { overs: 'snapshots' });
    }
  }
  if (inst.vm_state === VmState.ACTIVE) {
    // No driver here can quiesce (Nova's base driver: NotImplementedError).
    if (TRUE.includes((inst.system_metadata.image_os_require_quiesce ?? '').trim().toLowerCase())) throw InstanceQuiesceNotSupported.of(inst.uuid);
    d.log.info({ instance: inst.uuid }, 'Skipping quiescing instance because the operation is not supported by the underlying compute driver.');
  }
  await d.db.history.startAction({ action: 'createImage', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  const event = 'api_snapshot_instance';
  await d.db.history.startEvent(inst.uuid, ctx.request_id, event, null);
  try {
    for (const bdm of volumeBdms) {
      if (!bdm.volume_id) continue;
      const v = await volume.getVolume(ctx, bdm.volume_id);
      d.log.debug({ instance: inst.uuid, volume: v.id }, 'creating a snapshot of a volume');
      const s = await volume.createSnapshot(ctx, v.id, `snapshot for ${image.name}`, v.description ?? null, true);
      mapping.push(imageMapping(bdm, s.id));
    }
  } catch (e) {
    await d.db.history.finishEvent(inst.uuid, ctx.request_id, event, 'Error', e instanceof Error ? (e.stack ?? e.message) : String(e));
    throw e;
  }
  await d.db.history.finishEvent(inst.uuid, ctx.request_id, event, 'Success', null);
  if (mapping.length) {
    image.properties.block_device_mapping = JSON.stringify(mapping);
    image.properties.bdm_v2 = 'True';
  }
  return images.create(ctx, { ...image, size: 0 });
}
