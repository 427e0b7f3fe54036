/**
 * os-volume_attachments (nova/api/openstack/compute/volume_attachments.py):
 * GET /servers/{id}/os-volume_attachments lists the server's volume
 * mappings (offset/limit; from 2.89 only those with an attachment), GET
 * …/{volume_id} shows one ('Instance X is not attached to volume Y' 404);
 * POST attaches {volumeAttachment: {volumeId, device, tag (2.49),
 * delete_on_termination (2.79)}} and answers the attachment (200); PUT
 * swaps before 2.85 (Nova's 409 for a volume that is not migrating: only
 * the volume service may ask) and from 2.85 updates delete_on_termination
 * (the other fields are not mutable); DELETE detaches (202; 'Cannot detach
 * a root device volume' 400). States: 409 "Cannot 'attach_volume' instance
 * X while it is in vm_state Y"; shelved servers need 2.20. Views per
 * microversion (views/volume-attachments.ts). Policies
 * os_compute_api:os-volumes-attachments:*.
 */

import { InvalidInput, InvalidVolume, VolumeBDMNotFound, VolumeTaggedAttachNotSupported } from '../../exception/volume.ts';
import type { BlockDeviceMappingDTO } from '../../objects/block-device.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { VmState } from '../../objects/states.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import { boolFromString } from './schemas/parameter-types.ts';
import { last, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/volume-attachments.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';
import { attachmentView } from './views/volume-attachments.ts';

const P = 'os_compute_api:os-volumes-attachments';

async function serverFor(d: ServerApiDeps, req: ApiRequestOf<'id'>, action: 'index' | 'show' | 'create' | 'update' | 'delete'): Promise<InstanceDTO> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, `${P}:${action}`, { project_id: inst.project_id });
  return inst;
}

const notAttached = (server: string, volume: string) => notFound(`Instance ${server} is not attached to volume ${volume}`);

/** Shelved servers: attach and detach from 2.20 (_check_request_version). */
function shelvedNeeds220(req: ApiRequestOf<'id'>, inst: InstanceDTO, method: string): void {
  if ((inst.vm_state === VmState.SHELVED || inst.vm_state === VmState.SHELVED_OFFLOADED) && !atLeast(req.version, '2.20')) {
    throw conflict(`Cannot '${method}' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
  }
}

/** The errors Nova answers 400 for (the rest keep their status). */
async function badRequests<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InvalidVolume || e instanceof InvalidInput || e instanceof VolumeTaggedAttachNotSupported) throw badRequest(e.message);
    throw e;
  }
}

async function bdmOf(d: ServerApiDeps, inst: InstanceDTO, volumeId: string): Promise<BlockDeviceMappingDTO> {
  try {
    return await d.db.blockDevices.getByVolume(inst.uuid, volumeId);
  } catch (e) {
    if (e instanceof VolumeBDMNotFound) throw notAttached(inst.uuid, volumeId);
    throw e;
  }
}

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'index');
  const q = validateQuery(req.query, schema.indexQuery, atLeast(req.version, '2.75'));
  const bdms = await d.db.blockDevices.listByInstance(inst.uuid);
  const offset = Number(last(q, 'offset') ?? 0);
  const max = d.conf.api.max_limit;
  const limit = Math.min(max, Number(last(q, 'limit') ?? 0) || max);
  const withIds = atLeast(req.version, '2.89');
  const views = bdms
    .slice(offset, offset + limit)
    .filter((b) => b.volume_id && (!withIds || b.attachment_id))
    .map((b) => attachmentView(b, req.version));
  return ok({ volumeAttachments: views });
}

async function show(d: ServerApiDeps, req: ApiRequestOf<'id' | 'volume_id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'show');
  const bdm = await bdmOf(d, inst, req.params.volume_id);
  if (atLeast(req.version, '2.89') && !bdm.attachment_id) throw notAttached(inst.uuid, req.params.volume_id);
  return ok({ volumeAttachment: attachmentView(bdm, req.version) });
}

async function create(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'create');
  const s = atLeast(req.version, '2.79') ? schema.createV279 : atLeast(req.version, '2.49') ? schema.createV249 : schema.create;
  const body: schema.CreateBody = validate(s, req.body);
  const a = body.volumeAttachment;
  shelvedNeeds220(req, inst, 'attach_volume');
  const deleteOnTermination = a.delete_on_termination === undefined ? false : boolFromString(a.delete_on_termination, true);
  const bdm = await badRequests(() =>
    stateConflicts('attach_volume', inst.uuid, () =>
      d.compute.volumes.attach(req.ctx, inst, { volumeId: a.volumeId, device: a.device ?? null, tag: a.tag ?? null, deleteOnTermination }),
    ),
  );
  const attachment: Record<string, unknown> = { id: a.volumeId, serverId: inst.uuid, volumeId: a.volumeId, device: bdm.device_name };
  if (atLeast(req.version, '2.70')) attachment.tag = a.tag ?? null;
  if (atLeast(req.version, '2.79')) attachment.delete_on_termination = deleteOnTermination;
  return ok({ volumeAttachment: attachment });
}

/** _update_volume_swap: the volume service asks for swaps while it migrates a volume; ours never does. */
async function swap(d: ServerApiDeps, req: ApiRequestOf<'id' | 'volume_id'>, inst: InstanceDTO, newVolumeId: string): Promise<void> {
  const old = await d.compute.volumes.volume.getVolume(req.ctx, req.params.volume_id);
  const migrating = typeof old.migration_status === 'string' && old.migration_status !== '';
  if (!migrating) throw conflict(`volume ${old.id} is not migrating; this API should only be called by Cinder`);
  await d.compute.volumes.volume.getVolume(req.ctx, newVolumeId).catch((e: unknown) => {
    throw e instanceof Error ? badRequest(e.message) : e;
  });
  await stateConflicts('swap_volume', inst.uuid, async () => d.compute.volumes.checkSwap(req.ctx, inst));
  throw badRequest('Swapping volumes is not supported by this deployment.');
}

async function update(d: ServerApiDeps, req: ApiRequestOf<'id' | 'volume_id'>): Promise<ApiResponse> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  const onlySwap = !atLeast(req.version, '2.85');
  const body: schema.UpdateBody = validate(onlySwap ? schema.update : schema.updateV285, req.body);
  const att = body.volumeAttachment;
  const id = req.params.volume_id;
  if (onlySwap || id !== att.volumeId) authorize(req.ctx, `${P}:swap`, {});
  else authorize(req.ctx, `${P}:update`, { project_id: inst.project_id });
  if (!onlySwap) {
    const bdm = await d.db.blockDevices.getByVolume(inst.uuid, id);
    if (att.id !== undefined && att.id !== id) throw badRequest('The id property is not mutable');
    if (att.serverId !== undefined && att.serverId !== inst.uuid) throw badRequest('The serverId property is not mutable');
    if (att.device !== undefined && att.device !== bdm.device_name) throw badRequest('The device property is not mutable');
    if (att.tag !== undefined && att.tag !== bdm.tag) throw badRequest('The tag property is not mutable');
    if (att.delete_on_termination !== undefined) await d.db.blockDevices.update(bdm.uuid, { delete_on_termination: boolFromString(att.delete_on_termination, true) });
  }
  if (onlySwap || id !== att.volumeId) await swap(d, req, inst, att.volumeId);
  return { status: 202 };
}

async function remove(d: ServerApiDeps, req: ApiRequestOf<'id' | 'volume_id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'delete');
  const volumeId = req.params.volume_id;
  shelvedNeeds220(req, inst, 'detach_volume');
  const volume = await d.compute.volumes.volume.getVolume(req.ctx, volumeId);
  const bdm = await bdmOf(d, inst, volumeId);
  if (bdm.boot_index === 0) throw badRequest('Cannot detach a root device volume');
  await badRequests(() => stateConflicts('detach_volume', inst.uuid, () => d.compute.volumes.detach(req.ctx, inst, volume, bdm)));
  return { status: 202 };
}

/** GET/POST /servers/{id}/os-volume_attachments, GET/PUT/DELETE /servers/{id}/os-volume_attachments/{volume_id}. */
export function volumeAttachmentsRoutes(d: ServerApiDeps): Route[] {
  const base = '/servers/:id/os-volume_attachments';
  return [
    route({ method: 'GET', path: base, policy: `${P}:index`, handler: (req) => index(d, req) }),
    route({ method: 'POST', path: base, policy: `${P}:create`, handler: (req) => create(d, req) }),
    route({ method: 'GET', path: `${base}/:volume_id`, policy: `${P}:show`, handler: (req) => show(d, req) }),
    route({ method: 'PUT', path: `${base}/:volume_id`, policy: `${P}:update`, handler: (req) => update(d, req) }),
    route({ method: 'DELETE', path: `${base}/:volume_id`, policy: `${P}:delete`, handler: (req) => remove(d, req) }),
  ];
}
