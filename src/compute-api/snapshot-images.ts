/**
 * The image records nova-api creates for snapshots, backups and shelved
 * images (Nova's compute.utils.create_image and
 * initialize_instance_snapshot_metadata), and the image service contract
 * it creates them through, as the caller.
 */
import type { RequestContext } from '../context.ts';
import type { InstanceDTO } from '../objects/instance.ts';

/** An image record to create (queued: nova-compute uploads its data). */
export interface NewSnapshotImage {
  name: string;
  /** private for the owner's own snapshot; shared (with `member`) when someone else takes it. */
  visibility: 'private' | 'shared';
  /** The instance's project, to be made a member of a shared image (Nova's instance_owner). */
  member: string | null;
  min_ram: number;
  min_disk: number;
  /** Only a backup keeps its instance's formats (a snapshot may be in another one; the driver says which). */
  disk_format?: string;
  container_format?: string;
  /** 0: a record without data, made active at once (Nova's size 0 for a volume-backed snapshot: raw/bare, empty data uploaded). */
  size?: 0;
  properties: Record<string, string>;
}

/** The image service as nova-api writes to it (the caller's rights). */
export interface SnapshotImages {
  /** Where the image service is, as Nova's generate_image_url links images there (`<base>/images/<id>`). */
  readonly linkBase: string;
  /** Create a queued image record; answers its id. */
  create(ctx: RequestContext, image: NewSnapshotImage): Promise<{ id: string }>;
  /** Delete an image; one already gone is fine. */
  delete(ctx: RequestContext, imageId: string): Promise<void>;
}

/** Properties a snapshot never inherits from its instance's image (Nova's NON_INHERITABLE_IMAGE_PROPERTIES and [DEFAULT] non_inheritable_image_properties' defaults). */
const NON_INHERITABLE = new Set([
  'cinder_encryption_key_id',
  'cinder_encryption_key_deletion_policy',
  'img_signature',
  'img_signature_hash_method',
  'img_signature_key_type',
  'img_signature_certificate_uuid',
  'cache_in_nova',
  'bittorrent',
]);
/** Image attributes that system_metadata keeps beside the properties (Nova's SM_INHERITABLE_KEYS). */
const INHERITABLE_KEYS = new Set(['min_ram', 'min_disk', 'disk_format', 'container_format']);
/** Large structured values that system_metadata never holds (Nova's SM_SKIP_KEYS). */
const SKIP_KEYS = new Set(['mappings', 'block_device_mapping', 'img_mappings', 'img_block_device_mapping']);

/**
 * Nova's initialize_instance_snapshot_metadata: the instance's image as
 * system_metadata keeps it (its `image_<key>` entries; base_image_ref among
 * them), minus what is not inherited, plus the `extra` properties, which
 * win, and instance_owner when someone else takes it; the formats only when
 * `keepFormats`.
 */
export function snapshotMetadata(ctx: RequestContext, inst: InstanceDTO, name: string, extra: Readonly<Record<string, string>>, keepFormats = false): NewSnapshotImage {
  const attrs: Record<string, string> = {};
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(inst.system_metadata)) {
    if (!key.startsWith('image_')) continue;
    const k = key.slice('image_'.length);
    if (SKIP_KEYS.has(k)) continue;
    if (INHERITABLE_KEYS.has(k)) attrs[k] = value;
    else if (!NON_INHERITABLE.has(k) && !k.startsWith('os_glance')) properties[k] = value;
  }
  const foreign = ctx.project_id !== inst.project_id;
  // As Nova, instance_owner is set over the extra properties.
  Object.assign(properties, extra, foreign ? { instance_owner: inst.project_id } : {});
  const image: NewSnapshotImage = {
    name,
    visibility: foreign ? 'shared' : 'private',
    member: foreign ? inst.project_id : null,
    min_ram: Number(attrs.min_ram ?? 0) || 0,
    // Nova's image_min_disk: at least the flavor's root disk.
    min_disk: Math.max(Number(attrs.min_disk ?? 0) || 0, inst.root_gb),
    properties,
  };
  if (keepFormats) {
    if (attrs.disk_format) image.disk_format = attrs.disk_format;
    if (attrs.container_format) image.container_format = attrs.container_format;
  }
  return image;
}

/**
 * The record of a snapshot (`type` snapshot, also for shelve) or backup of
 * `inst` (Nova's compute.utils.create_image): its snapshot metadata with
 * instance_uuid, user_id, image_type and the caller's `extra` properties.
 */
export function snapshotRecord(ctx: RequestContext, inst: InstanceDTO, name: string, type: 'snapshot' | 'backup', extra: Readonly<Record<string, string>> = {}): NewSnapshotImage {
  return snapshotMetadata(ctx, inst, name, { instance_uuid: inst.uuid, user_id: String(ctx.user_id), image_type: type, ...extra }, type === 'backup');
}
