/**
 * The block device mappings an image defines (Nova's
 * compute.api.API._get_image_defined_bdms and _merge_bdms_lists): an image
 * with `bdm_v2` True — the snapshot of a volume-backed server — holds its
 * mappings as a JSON list in `block_device_mapping` (Nova's glance client
 * stores it so); a boot from it gets them, overridden by device name by the
 * mappings the request gives. Images with legacy mappings (no bdm_v2) or
 * AMI `mappings` define none here.
 */
import type { RequestContext } from '../context.ts';
import { InvalidBDMFormat } from '../exception/volume.ts';
import { type BdmDestinationType, type BdmSourceType, newBdm } from '../objects/block-device.ts';
import type { ImageMeta } from '../objects/request-spec.ts';
import type { PlannedBdm } from './block-device-mappings.ts';
import type { ImageInfo, ImageLookup } from './create.ts';

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const SOURCES: readonly string[] = ['image', 'volume', 'snapshot', 'blank'];
const DESTINATIONS: readonly string[] = ['local', 'volume'];

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const int = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : null;
};
const bool = (v: unknown): boolean => v === true || (typeof v === 'string' && TRUE.includes(v.trim().toLowerCase()));

/** One mapping of the image (BlockDeviceDict of it); null for a no_device entry. */
function fromImage(item: unknown): PlannedBdm | null {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw InvalidBDMFormat.of('Block device mappings of the image are not a list of mappings.');
  const m = item as Record<string, unknown>;
  if (bool(m.no_device)) return null;
  const source = str(m.source_type);
  if (source === null || !SOURCES.includes(source)) throw InvalidBDMFormat.of('Some required fields are missing');
  const dest = str(m.destination_type) ?? (source === 'blank' ? 'local' : 'volume');
  if (!DESTINATIONS.includes(dest)) throw InvalidBDMFormat.of(`Invalid destination_type ${dest}`);
  const boot = int(m.boot_index);
  const device = str(m.device_name);
  const { instance_uuid: _i, ...fields } = newBdm('', {
    source_type: source as BdmSourceType,
    destination_type: dest as BdmDestinationType,
    boot_index: boot !== null && boot < 0 ? null : boot,
    device_name: device === null || device.startsWith('/dev/') ? device : `/dev/${device}`,
    delete_on_termination: bool(m.delete_on_termination),
    volume_size: int(m.volume_size),
    volume_id: source === 'volume' ? str(m.volume_id) : null,
    snapshot_id: source === 'snapshot' ? str(m.snapshot_id) : null,
    image_id: source === 'image' ? str(m.image_id) : null,
    tag: str(m.tag),
    guest_format: str(m.guest_format),
    disk_bus: str(m.disk_bus),
    device_type: str(m.device_type),
    volume_type: str(m.volume_type),
  });
  return fields;
}

/** _get_image_defined_bdms: the image's bdm_v2 block_device_mapping as mappings (none for other images). */
export function imageDefinedBdms(image: Pick<ImageMeta, 'properties'>): PlannedBdm[] {
  const p = image.properties;
  if (!bool(p.bdm_v2) || !p.block_device_mapping) return [];
  let list: unknown;
  try {
    list = JSON.parse(p.block_device_mapping);
  } catch {
    throw InvalidBDMFormat.of('Block device mappings of the image are not valid JSON.');
  }
  if (!Array.isArray(list)) throw InvalidBDMFormat.of('Block device mappings of the image are not a list of mappings.');
  return list.map(fromImage).filter((b): b is PlannedBdm => b !== null);
}

/**
 * The mappings of a boot with the image's: when the image has a root
 * mapping, a requested boot_index 0 image mapping (what a client inserts) is
 * dropped; then the requested ones, and the image's whose device name none
 * of them takes (_merge_bdms_lists).
 */
export function mergeImageBdms(requested: readonly PlannedBdm[], imageDefined: readonly PlannedBdm[]): PlannedBdm[] {
  if (!imageDefined.length) return [...requested];
  const rootInImage = imageDefined.some((b) => b.boot_index === 0);
  const kept = rootInImage ? requested.filter((b) => !(b.boot_index === 0 && b.source_type === 'image')) : [...requested];
  const names = new Set(kept.flatMap((b) => (b.device_name ? [b.device_name] : [])));
  return [...kept, ...imageDefined.filter((b) => !b.device_name || !names.has(b.device_name))];
}

/** Image attributes the volume service keeps among a volume's image metadata (Nova's VIM_IMAGE_ATTRIBUTES). */
const VIM_IMAGE_ATTRIBUTES = ['image_id', 'image_name', 'size', 'checksum', 'container_format', 'disk_format', 'min_ram', 'min_disk'];

/**
 * The image metadata of a boot from a volume (Nova's
 * get_image_metadata_from_volume): the volume's volume_image_metadata
 * without the image attributes stored there — but min_ram and min_disk,
 * which Nova keeps as the image's attributes and system_metadata as
 * image_min_ram / image_min_disk, stay (the image service refuses a
 * snapshot whose properties name size or checksum).
 */
export function imageMetaOfVolume(volumeImageMetadata: Readonly<Record<string, string>> | undefined): ImageMeta {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(volumeImageMetadata ?? {})) {
    if (!VIM_IMAGE_ATTRIBUTES.includes(k)) properties[k] = v;
    else if (k === 'min_ram' || k === 'min_disk') properties[k] = String(Number.parseInt(v, 10) || 0);
  }
  return { id: '', properties };
}

/** Large structured values that system_metadata never holds (Nova's SM_SKIP_KEYS). */
const SM_SKIP_KEYS = new Set(['mappings', 'block_device_mapping', 'img_mappings', 'img_block_device_mapping']);

/** The `image_<key>` system_metadata of an instance booted from an image with these properties (Nova's get_system_metadata_from_image). */
export function imageSystemMetadata(properties: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).flatMap(([k, v]) => (SM_SKIP_KEYS.has(k) ? [] : [[`image_${k}`, v]])));
}

/** The image service of one request: each image read once however often it is checked. */
export function onceEachImage(images: ImageLookup | undefined): ImageLookup | undefined {
  if (!images) return undefined;
  const seen = new Map<string, Promise<ImageInfo>>();
  return {
    show(ctx: RequestContext, imageId: string): Promise<ImageInfo> {
      let p = seen.get(imageId);
      if (!p) {
        p = images.show(ctx, imageId);
        seen.set(imageId, p);
      }
      return p;
    },
  };
}
