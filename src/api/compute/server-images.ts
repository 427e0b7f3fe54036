/**
 * The server actions that image a server: createImage (Nova's
 * servers.py _action_create_image) and createBackup (create_backup.py).
 * 202 with the image's Location before 2.45 (createBackup: only with a
 * rotation above 0, at the compute API's /images), `{"image_id": …}` from
 * 2.45. Before 2.39 the metadata counts against the metadata_items quota.
 * A volume-backed server (also allowed by create_image:allow_volume_backed)
 * is imaged as snapshots of its volumes.
 */
import type { InstanceDTO } from '../../objects/instance.ts';
import { forbidden } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { validate } from '../validation.ts';
import { checkName } from './schemas/parameter-types.ts';
import * as schema from './schemas/server-images.ts';
import { registerServerAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

/** Nova's check_img_metadata_properties_quota (before 2.39). */
async function checkMetadataQuota(d: ServerApiDeps, req: ApiRequest, metadata: Readonly<Record<string, string>>): Promise<void> {
  const n = Object.keys(metadata).length;
  if (n === 0 || atLeast(req.version, '2.39')) return;
  const limit = d.conf.quota.metadata_items;
  if (limit >= 0 && n > limit) throw forbidden('Image metadata limit exceeded');
}

/** The answer: the image id in the body from 2.45, else its Location (when there is one). */
function answer(req: ApiRequest, imageId: string, location: string | undefined): ApiResponse {
  if (atLeast(req.version, '2.45')) return { status: 202, body: { image_id: imageId } };
  return location === undefined ? { status: 202 } : { status: 202, headers: { Location: location } };
}

async function createImage(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.createImage, req.body).createImage;
  checkName(body.name);
  authorize(req.ctx, 'os_compute_api:servers:create_image', { project_id: inst.project_id });
  const metadata = body.metadata ?? {};
  await checkMetadataQuota(d, req, metadata);
  const snapshots = d.compute.snapshots;
  const volumeBacked = await snapshots.isVolumeBacked(inst);
  if (volumeBacked) authorize(req.ctx, 'os_compute_api:servers:create_image:allow_volume_backed', { project_id: inst.project_id });
  const image = await stateConflicts('createImage', inst.uuid, () =>
    volumeBacked ? snapshots.snapshotVolumeBacked(req.ctx, inst, body.name, metadata) : snapshots.snapshot(req.ctx, inst, body.name, metadata),
  );
  return answer(req, image.id, d.compute.snapshots.imageUrl(image.id));
}

async function createBackup(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.createBackup, req.body).createBackup;
  checkName(body.name);
  authorize(req.ctx, 'os_compute_api:os-create-backup', { project_id: inst.project_id });
  const metadata = body.metadata ?? {};
  await checkMetadataQuota(d, req, metadata);
  const rotation = Number(body.rotation);
  const image = await stateConflicts('createBackup', inst.uuid, () => d.compute.snapshots.backup(req.ctx, inst, { name: body.name, type: body.backup_type, rotation, metadata }));
  return answer(req, image.id, rotation > 0 ? `${req.baseUrl}/v2.1/images/${image.id}` : undefined);
}

registerServerAction('createImage', createImage);
registerServerAction('createBackup', createBackup);
