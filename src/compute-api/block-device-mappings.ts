/**
 * A create's block device mappings (Nova's BlockDeviceDict.from_api,
 * compute.api.API._check_and_transform_bdm and _validate_bdm): each item
 * turned into a mapping, Nova's refusals ('Missing device UUID.', 'Mapping
 * image to local is not supported.', the boot sequence, non-zero sizes for
 * new volumes, the volume/snapshot/image looked up: InvalidBDMVolume,
 * InvalidBDMSnapshot, InvalidBDMImage), an image's root disk added as the
 * boot_index 0 mapping when imageRef is given (unless the image defines
 * mappings with a root: image-block-devices.ts), the root's image metadata
 * (a boot from volume: the volume's volume_image_metadata). After the
 * instance is recorded, its mappings are stored and the existing volumes
 * reserved for it (attachment_create, as Nova does at the API);
 * nova-compute makes the new volumes and attaches them all.
 */
import type { CinderClient } from '../clients/cinder.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { InvalidBDM, InvalidBDMFormat, InvalidInput, InvalidVolume, SnapshotNotFound, VolumeNotFound } from '../exception/volume.ts';
import { type BdmDestinationType, type BdmSourceType, type BlockDeviceMappingFields, newBdm } from '../objects/block-device.ts';
import type { ImageMeta } from '../objects/request-spec.ts';
import { imageMetaOfVolume, mergeImageBdms } from './image-block-devices.ts';

/** One mapping as the API asked for it (block_device_mapping_v2 item). */
export interface BdmRequest {
  source_type?: BdmSourceType;
  destination_type?: BdmDestinationType;
  uuid?: string;
  boot_index?: number | string | null;
  volume_size?: number | string;
  delete_on_termination?: boolean;
  device_name?: string;
  tag?: string;
  guest_format?: string;
  disk_bus?: string;
  device_type?: string;
  volume_type?: string | null;
  no_device?: unknown;
}

export type PlannedBdm = Omit<BlockDeviceMappingFields, 'instance_uuid'>;

export interface BdmPlan {
  readonly bdms: readonly PlannedBdm[];
  /** The root's image metadata when booting from a volume (null: the imageRef's). */
  readonly rootImage: ImageMeta | null;
  /** The root disk is a volume. */
  readonly bootFromVolume: boolean;
  /** The zones of the existing volumes mapped (Nova's _get_volumes_for_bdms, for _validate_vol_az_for_create). */
  readonly volumeZones?: readonly (string | null)[];
}

const invalid = (what: string, id: string) => new InvalidBDM(`Block Device Mapping is Invalid: failed to get ${what} ${id}.`, { id });
const DISK_BUSES = ['fdc', 'ide', 'sata', 'scsi', 'usb', 'virtio', 'xen', 'lxc', 'uml'];

/** BlockDeviceDict.from_api for one item. */
function fromApi(b: BdmRequest, imageGiven: boolean): PlannedBdm {
  const source = b.source_type ?? 'blank';
  const dest = b.destination_type ?? (source === 'blank' ? 'local' : 'volume');
  const id = b.uuid;
  if (source === 'blank' && id) throw InvalidBDMFormat.of('Invalid device UUID.');
  if (source !== 'blank' && !id) throw InvalidBDMFormat.of('Missing device UUID.');
  const boot = b.boot_index === undefined || b.boot_index === null ? null : Number(b.boot_index);
  if (source === 'image' && dest === 'local' && !(imageGiven && boot === 0)) throw InvalidBDMFormat.of('Mapping image to local is not supported.');
  if (dest === 'local' && b.volume_type) throw InvalidBDMFormat.of('Specifying a volume_type with destination_type=local is not supported.');
  if (source === 'volume' && b.volume_type) throw InvalidBDMFormat.of('Specifying volume type to existing volume is not supported.');
  if (source === 'blank' && dest === 'local') throw InvalidBDMFormat.of('Ephemeral and swap disks (source blank, destination local) are not supported here.');
  if (b.disk_bus && !DISK_BUSES.includes(b.disk_bus)) throw new InvalidBDM(`Block Device Mapping is invalid: The provided disk bus ${b.disk_bus} is not valid.`);
  const { instance_uuid: _i, ...fields } = newBdm('', {
    source_type: source,
    destination_type: dest,
    boot_index: boot !== null && boot < 0 ? null : boot,
    device_name: b.device_name ?? null,
    delete_on_termination: b.delete_on_termination === true,
    volume_size: b.volume_size === undefined ? null : Number(b.volume_size),
    volume_id: source === 'volume' ? (id ?? null) : null,
    snapshot_id: source === 'snapshot' ? (id ?? null) : null,
    image_id: source === 'image' ? (id ?? null) : null,
    tag: b.tag ?? null,
    guest_format: b.guest_format ?? null,
    disk_bus: b.disk_bus ?? null,
    device_type: b.device_type ?? null,
    volume_type: b.volume_type ?? null,
  });
  return fields;
}

export interface BdmDeps {
  readonly volume: CinderClient;
  /** The image service check of an image (throws when it is not usable). */
  readonly image: (id: string) => Promise<ImageMeta>;
}

/** _check_and_transform_bdm + _validate_bdm: the mappings of a create (empty when none were asked for). */
export async function planBlockDevices(
  d: BdmDeps,
  ctx: RequestContext,
  requests: readonly BdmRequest[],
  imageRef: string,
  count: number,
  imageDefined: readonly PlannedBdm[] = [],
): Promise<BdmPlan> {
  const items = requests.filter((r) => !r.no_device);
  if (!items.length && !imageDefined.length) return { bdms: [], rootImage: null, bootFromVolume: false };
  const bdms = mergeImageBdms(
    items.map((r) => fromApi(r, imageRef !== '')),
    imageDefined.map((b) => ({ ...b })),
  );
  if (imageRef && !bdms.some((b) => b.boot_index === 0)) {
    const { instance_uuid: _i, ...root } = newBdm('', { source_type: 'image', destination_type: 'local', boot_index: 0, image_id: imageRef, delete_on_termination: true });
    bdms.unshift(root);
  }
  const boots = bdms.flatMap((b) => (b.boot_index !== null && b.boot_index >= 0 ? [b.boot_index] : [])).sort((a, b) => a - b);
  if (!boots.length || boots.some((v, i) => v !== i)) {
    throw new InvalidBDM('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
  }
  let rootImage: ImageMeta | null = null;
  const volumeZones: (string | null)[] = [];
  for (const b of bdms) {
    if (b.image_id !== null) {
      const meta = await d.image(b.image_id).catch(() => {
        throw invalid('image', b.image_id ?? '');
      });
      if (b.destination_type === 'volume' && !b.volume_size) throw new InvalidBDM("Images with destination_type 'volume' need to have a non-zero size specified");
      if (b.boot_index === 0 && b.destination_type === 'volume') rootImage = meta;
    } else if (b.volume_id !== null) {
      if (count > 1) throw new InvalidBDM('Block Device Mapping is Invalid: a volume cannot be attached to more than one instance of one request.');
      const v = await d.volume.getVolume(ctx, b.volume_id).catch((e: unknown) => {
        throw e instanceof VolumeNotFound ? invalid('volume', b.volume_id ?? '') : e;
      });
      if (v.status !== 'available') throw InvalidVolume.of(`volume '${v.id}' status must be 'available'. Currently in '${v.status}'`);
      b.volume_size = v.size;
      volumeZones.push(v.availability_zone);
      if (b.boot_index === 0) {
        if (v.bootable !== true && v.bootable !== 'true') throw new InvalidBDM(`Block Device ${v.id} is not bootable.`, { id: v.id });
        rootImage = imageMetaOfVolume(v.volume_image_metadata);
      }
    } else if (b.snapshot_id !== null) {
      const s = await d.volume.getSnapshot(ctx, b.snapshot_id).catch((e: unknown) => {
        throw e instanceof SnapshotNotFound ? invalid('snapshot', b.snapshot_id ?? '') : e;
      });
      b.volume_size = b.volume_size ?? s.size;
    } else if (b.source_type === 'blank' && b.destination_type === 'volume' && !b.volume_size) {
      throw new InvalidBDM("Blank volumes (source: 'blank', dest: 'volume') need to have non-zero size");
    }
  }
  const root = bdms.find((b) => b.boot_index === 0);
  return { bdms, rootImage, bootFromVolume: root?.destination_type === 'volume', volumeZones };
}

/** Store the mappings of a recorded instance and reserve its existing volumes (attachment_create without a connector). */
export async function recordBlockDevices(db: DbApi, volume: CinderClient, ctx: RequestContext, instanceUuid: string, plan: BdmPlan): Promise<void> {
  for (const b of plan.bdms) {
    const bdm = await db.blockDevices.create({ ...b, instance_uuid: instanceUuid });
    if (b.source_type === 'volume' && b.volume_id) {
      const att = await volume.attachmentCreate(ctx, b.volume_id, instanceUuid).catch((e: unknown) => {
        throw e instanceof InvalidInput ? InvalidVolume.of(e.message) : e;
      });
      await db.blockDevices.update(bdm.uuid, { attachment_id: att.id });
    }
  }
}
