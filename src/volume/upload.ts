/**
 * os-volume_upload_image (cinder/api/contrib/volume_actions.py and
 * copy_volume_to_image): a queued image in the image service as the caller,
 * the volume uploading until its bytes (raw, or qcow2 converted by
 * qemu-img) are stored there, then back to its status before.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { atLeast } from '../http/microversion.ts';
import { badRequest, invalidVolume } from './errors.ts';
import type { VolumeDeps, VolumeRequest } from './http.ts';
import type { VolumeDoc } from './model.ts';

const run = promisify(execFile);
const DISK_FORMATS = ['raw', 'qcow2'];

export async function uploadToImage(deps: VolumeDeps, req: VolumeRequest, v: VolumeDoc, arg: Record<string, unknown>): Promise<{ status: number; body?: unknown }> {
  const images = deps.images;
  const name = arg.image_name;
  if (typeof name !== 'string' || !name) throw badRequest("Invalid input for field/attribute os-volume_upload_image. Value: {}. 'image_name' is a required property");
  const diskFormat = typeof arg.disk_format === 'string' ? arg.disk_format : 'raw';
  if (!DISK_FORMATS.includes(diskFormat)) throw badRequest(`Invalid disk-format '${diskFormat}' is specified. Allowed disk-formats are ${DISK_FORMATS.join(', ')}.`);
  const containerFormat = typeof arg.container_format === 'string' ? arg.container_format : 'bare';
  if (containerFormat !== 'bare') throw badRequest(`Invalid container-format '${containerFormat}' is specified. Allowed container-formats are bare.`);
  const force = arg.force === true || arg.force === 'true' || arg.force === 'True';
  const expected = force ? ['available', 'in-use'] : ['available'];
  if (!images) throw badRequest('The volume service has no image service to upload to.');
  const visibility = atLeast(req.version, '3.1') && typeof arg.visibility === 'string' ? arg.visibility : 'private';
  const protect = atLeast(req.version, '3.1') && (arg.protected === true || arg.protected === 'true');
  const moved = await deps.store.update('volumes', v.id, { status: 'uploading', previous_status: v.status }, expected);
  if (!moved) throw invalidVolume(`Volume ${v.id} status must be ${expected.join(' or ')}`);
  let imageId: string;
  try {
    const meta = v.image_metadata ?? {};
    const properties: Record<string, string> = {};
    for (const k of ['hw_disk_bus', 'hw_scsi_model', 'hw_machine_type', 'os_type', 'os_distro']) if (meta[k] !== undefined) properties[k] = meta[k];
    const image = await images.create(req.ctx, { name, disk_format: diskFormat, container_format: containerFormat, visibility, protected: protect, properties });
    imageId = image.id;
  } catch (e) {
    await deps.store.update('volumes', v.id, { status: v.status, previous_status: null });
    throw e;
  }
  const ctx = req.ctx;
  deps.worker.run(
    v.id,
    `upload of volume ${v.id} to image ${imageId}`,
    async () => {
      const dir = path.join(deps.stateDir, 'volume-images');
      await fs.promises.mkdir(dir, { recursive: true });
      const raw = path.join(dir, `${v.id}-upload.raw`);
      const out = diskFormat === 'raw' ? raw : path.join(dir, `${v.id}-upload.${diskFormat}`);
      try {
        await deps.driver.copyVolumeToFile(v.id, raw);
        if (out !== raw) await run('qemu-img', ['convert', '-f', 'raw', '-O', diskFormat, raw, out]);
        await images.upload(ctx, imageId, out);
      } finally {
        await fs.promises.rm(raw, { force: true });
        await fs.promises.rm(out, { force: true });
      }
      await deps.store.update('volumes', v.id, { status: v.status, previous_status: null }, ['uploading']);
    },
    async () => {
      await deps.store.update('volumes', v.id, { status: v.status, previous_status: null }, ['uploading']);
    },
  );
  const type = await deps.store.get('volume_types', v.volume_type_id);
  const body: Record<string, unknown> = {
    id: v.id,
    updated_at: moved.updated_at,
    status: 'uploading',
    display_description: v.description,
    size: v.size,
    volume_type: type
      ? { id: type.id, name: type.name, description: type.description, is_public: type.is_public, extra_specs: type.extra_specs, deleted: false, qos_specs_id: null }
      : null,
    image_id: imageId,
    container_format: containerFormat,
    disk_format: diskFormat,
    image_name: name,
  };
  if (atLeast(req.version, '3.1')) Object.assign(body, { visibility, protected: protect });
  return { status: 202, body: { 'os-volume_upload_image': body } };
}
