/**
 * POST /v3/{project_id}/volumes (cinder/api/v3/volumes.py create and the
 * create_volume API flow): empty, from an image (imageRef), a snapshot
 * (snapshot_id) or a volume (source_volid); the size checked against the
 * source, the type (id or name; default_volume_type), the zone and the
 * quota; 202 with the volume creating, the work done after.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RequestContext } from '../context.ts';
import { detailOf, element, findSnapshot, findVolume, metadataOf, optString, sizeOf } from './common.ts';
import { badRequest, invalidInput, invalidSnapshot, invalidVolume, notFound } from './errors.ts';
import { accepted, route, type VolumeDeps, type VolumeRoute } from './http.ts';
import type { ImageInfo } from './images.ts';
import type { VolumeDoc, VolumeTypeDoc } from './model.ts';
import { checkQuota } from './quotas.ts';
import { defaultType, findType, typeVisible } from './types.ts';

const GiB = 1024 ** 3;

/** The glance properties a volume from an image keeps (volume_image_metadata). */
function imageMetadata(image: ImageInfo): Record<string, string> {
  const out: Record<string, string> = { image_id: image.id };
  if (image.name !== null) out.image_name = image.name;
  if (image.checksum) out.checksum = image.checksum;
  if (image.container_format) out.container_format = image.container_format;
  if (image.disk_format) out.disk_format = image.disk_format;
  out.min_disk = String(image.min_disk);
  out.min_ram = String(image.min_ram);
  if (image.size !== null) out.size = String(image.size);
  return { ...out, ...image.properties };
}

async function imageFor(deps: VolumeDeps, ctx: RequestContext, ref: unknown): Promise<ImageInfo> {
  if (typeof ref !== 'string' || !ref) throw badRequest('Invalid imageRef provided.');
  const id = ref.split('/').at(-1) ?? ref;
  const image = deps.images ? await deps.images.show(ctx, id) : null;
  if (!image) throw badRequest('Invalid image identifier or unable to access requested image.');
  if (image.status !== 'active') throw badRequest(`Invalid input received: Image ${image.id} is not active.`);
  return image;
}

/** The volume's bits, made after the 202 (the image downloaded first). */
function startCreate(deps: VolumeDeps, ctx: RequestContext, v: VolumeDoc, image: ImageInfo | null): void {
  const { store, driver } = deps;
  deps.worker.run(
    v.id,
    `create of volume ${v.id}`,
    async () => {
      if (image && deps.images) {
        const dir = path.join(deps.stateDir, 'volume-images');
        await fs.promises.mkdir(dir, { recursive: true });
        const file = path.join(dir, `${v.id}.img`);
        try {
          await store.update('volumes', v.id, { status: 'downloading' });
          await deps.images.download(ctx, image.id, file);
          await driver.createVolume(v.id, v.size, { kind: 'image', path: file, diskFormat: image.disk_format ?? 'raw' });
        } finally {
          await fs.promises.rm(file, { force: true });
        }
      } else if (v.snapshot_id) {
        await driver.createVolume(v.id, v.size, { kind: 'snapshot', snapshotId: v.snapshot_id });
      } else if (v.source_volid) {
        await driver.createVolume(v.id, v.size, { kind: 'volume', volumeId: v.source_volid });
      } else {
        await driver.createVolume(v.id, v.size, { kind: 'empty' });
      }
      const done = await store.update(
        'volumes',
        v.id,
        { status: 'available', bootable: v.bootable || image !== null, ...(image ? { image_metadata: imageMetadata(image) } : {}) },
        ['creating', 'downloading'],
      );
      if (!done) throw new Error(`volume ${v.id} left creating while it was made`);
    },
    async (err) => {
      await store.update('volumes', v.id, { status: 'error', error: err });
    },
  );
}

export function volumeCreateRoutes(deps: VolumeDeps): VolumeRoute[] {
  return [
    route({
      method: 'POST',
      path: '/v3/volumes',
      handler: async (req) => {
        const b = element(req, 'volume');
        const ctx = req.ctx;
        if ('multiattach' in b && b.multiattach !== false) {
          throw badRequest(
            'multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.',
          );
        }
        if (b.backup_id !== undefined && b.backup_id !== null) throw notFound(`Backup ${String(b.backup_id)} could not be found.`);
        let size = sizeOf(b.size);
        const name = optString(b, 'name') ?? optString(b, 'display_name') ?? null;
        const description = optString(b, 'description', 65535) ?? optString(b, 'display_description', 65535) ?? null;
        const metadata = metadataOf(b.metadata);
        const sources = ['snapshot_id', 'source_volid', 'imageRef'].filter((k) => b[k] !== undefined && b[k] !== null);
        if (sources.length > 1) throw invalidInput('Only one of snapshot_id, source_volid, imageRef may be given.');
        const snapshot = typeof b.snapshot_id === 'string' ? await findSnapshot(deps, ctx, b.snapshot_id) : null;
        if (snapshot && snapshot.status !== 'available') throw invalidSnapshot("Originating snapshot status must be one of 'available' values");
        const source = typeof b.source_volid === 'string' ? await findVolume(deps, ctx, b.source_volid) : null;
        if (source && !['available', 'in-use'].includes(source.status)) throw invalidVolume("Originating source volume status must be one of 'available, in-use' values");
        const image = b.imageRef !== undefined && b.imageRef !== null ? await imageFor(deps, ctx, b.imageRef) : null;
        if (size === undefined) size = snapshot?.size ?? source?.size;
        if (size === undefined) throw badRequest('Invalid input received: Volume size must be provided when not creating from a snapshot or a volume.');
        if (snapshot && size < snapshot.size) {
          throw invalidInput(`Volume size '${size}'GB cannot be smaller than the snapshot size ${snapshot.size}GB. They must be >= original snapshot size.`);
        }
        if (source && size < source.size) {
          throw invalidInput(`Volume size '${size}'GB cannot be smaller than original volume size  ${source.size}GB. They must be >= original volume size.`);
        }
        if (image) {
          const imageGb = Math.ceil((image.size ?? 0) / GiB);
          if (imageGb > size) throw invalidInput(`Size of specified image ${imageGb}GB is larger than volume size ${size}GB.`);
          if (image.min_disk > size) throw invalidInput(`Volume size ${size}GB cannot be smaller than the image minDisk size ${image.min_disk}GB.`);
        }
        let type: VolumeTypeDoc | null;
        const origin = snapshot ? await deps.store.get('volumes', snapshot.volume_id) : source;
        if (b.volume_type !== undefined && b.volume_type !== null) {
          type = await findType(deps.store, String(b.volume_type));
          if (!type || !typeVisible(ctx, type)) throw notFound(`Volume type with name ${String(b.volume_type)} could not be found.`);
        } else {
          type = (origin ? await deps.store.get('volume_types', origin.volume_type_id) : null) ?? (await defaultType(deps));
        }
        const zone = deps.conf.storage_availability_zone;
        const az = b.availability_zone === undefined || b.availability_zone === null ? (origin?.availability_zone ?? zone) : String(b.availability_zone);
        if (az !== zone) throw invalidInput(`Availability zone '${az}' is invalid.`);
        const projectId = ctx.project_id ?? '';
        await checkQuota(deps, projectId, 'volumes', size, type.name);
        const v = await deps.store.insert('volumes', {
          id: randomUUID(),
          project_id: projectId,
          user_id: ctx.user_id,
          name,
          description,
          size,
          status: 'creating',
          attach_status: 'detached',
          availability_zone: az,
          bootable: origin?.bootable ?? false,
          volume_type_id: type.id,
          metadata,
          image_metadata: origin?.image_metadata ?? null,
          snapshot_id: snapshot?.id ?? null,
          source_volid: source?.id ?? null,
          multiattach: type.extra_specs.multiattach === '<is> True',
          migration_status: null,
          replication_status: null,
          host: `${deps.host}@${deps.conf.volume_backend_name}#${deps.conf.volume_backend_name}`,
        });
        startCreate(deps, ctx, v, image);
        return accepted({ volume: await detailOf(deps, req, v) });
      },
    }),
  ];
}
