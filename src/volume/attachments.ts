/**
 * /v3/{project_id}/attachments (cinder/api/v3/attachments.py, 3.27+): the
 * attachment API Nova uses — create (reserve; with a connector also
 * export), update with a connector (connection_info), os-complete (3.44),
 * delete (the export ended), list, detail and show.
 */
import { atLeast } from '../http/microversion.ts';
import { complete, connect, detach, reserve } from './attach.ts';
import { element, findVolume } from './common.ts';
import { attachmentNotFound, badRequest, volumeNotFound } from './errors.ts';
import { json, route, type VolumeDeps, type VolumeRequest, type VolumeRoute } from './http.ts';
import type { AttachmentDoc } from './model.ts';
import { owns } from './policy.ts';
import { allTenants, filtersOf, matches, paginate, param } from './query.ts';
import { attachmentDetail, attachmentSummary } from './views.ts';

const FILTERS = ['volume_id', 'status', 'instance_id', 'attach_status'];

function field(a: AttachmentDoc, k: string): unknown {
  if (k === 'status' || k === 'attach_status') return a.attach_status;
  if (k === 'instance_id') return a.instance_uuid;
  if (k === 'volume_id') return a.volume_id;
  if (k === 'created_at') return a.created_at;
  if (k === 'updated_at') return a.updated_at;
  if (k === 'id') return a.id;
  return undefined;
}

async function findAttachment(deps: VolumeDeps, req: VolumeRequest, id: string): Promise<AttachmentDoc> {
  const a = await deps.store.get('volume_attachments', id);
  if (!a || !owns(req.ctx, a)) throw attachmentNotFound(id);
  return a;
}

function connectorOf(v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`Invalid input for field/attribute connector. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'object', 'null'`);
  return Object.fromEntries(Object.entries(v));
}

async function list(deps: VolumeDeps, req: VolumeRequest, detail: boolean) {
  const project = allTenants(req) ? (req.ctx.is_admin ? param(req, 'project_id') : undefined) : (req.ctx.project_id ?? '');
  const filters = filtersOf(req, FILTERS);
  const atts = (await deps.store.list('volume_attachments', project === undefined ? {} : { project_id: project })).filter((a) => filters.every((f) => matches(field(a, f.key), f)));
  const { page } = paginate(req, atts, { sortKeys: ['id', 'created_at', 'updated_at', 'volume_id'], maxLimit: deps.conf.osapi_max_limit, key: field });
  return json({ attachments: page.map((a) => (detail ? attachmentDetail(a) : attachmentSummary(a))) });
}

export function attachmentRoutes(deps: VolumeDeps): VolumeRoute[] {
  return [
    route({ method: 'GET', path: '/v3/attachments', minVersion: '3.27', handler: (req) => list(deps, req, false) }),
    route({ method: 'GET', path: '/v3/attachments/detail', minVersion: '3.27', handler: (req) => list(deps, req, true) }),
    route({
      method: 'GET',
      path: '/v3/attachments/:id',
      minVersion: '3.27',
      handler: async (req) => json({ attachment: attachmentDetail(await findAttachment(deps, req, req.params.id)) }),
    }),
    route({
      method: 'POST',
      path: '/v3/attachments',
      minVersion: '3.27',
      handler: async (req) => {
        const b = element(req, 'attachment');
        if (typeof b.volume_uuid !== 'string') throw badRequest("Invalid input for field/attribute attachment. Value: 'volume_uuid' is a required property");
        const instance = typeof b.instance_uuid === 'string' ? b.instance_uuid : null;
        const connector = connectorOf(b.connector);
        let mode: AttachmentDoc['attach_mode'] = 'null';
        if (b.mode !== undefined) {
          if (!atLeast(req.version, '3.54')) throw badRequest("Invalid input for field/attribute attachment. Value: Additional properties are not allowed ('mode' was unexpected)");
          if (b.mode !== 'rw' && b.mode !== 'ro')
            throw badRequest(`Invalid input for field/attribute mode. Value: ${String(b.mode)}. '${String(b.mode)}' is not one of ['rw', 'ro']`);
          mode = b.mode;
        }
        const v = await findVolume(deps, req.ctx, b.volume_uuid).catch(() => {
          throw volumeNotFound(String(b.volume_uuid));
        });
        let a = await reserve(deps, v, instance, mode);
        if (connector) a = await connect(deps, a, connector);
        return json({ attachment: attachmentDetail(a) });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/attachments/:id',
      minVersion: '3.27',
      handler: async (req) => {
        const b = element(req, 'attachment');
        const connector = connectorOf(b.connector);
        if (!connector) throw badRequest("Invalid input for field/attribute attachment. Value: 'connector' is a required property");
        const a = await findAttachment(deps, req, req.params.id);
        return json({ attachment: attachmentDetail(await connect(deps, a, connector)) });
      },
    }),
    route({
      method: 'POST',
      path: '/v3/attachments/:id/action',
      minVersion: '3.44',
      handler: async (req) => {
        const b: unknown = req.body;
        if (!b || typeof b !== 'object' || !('os-complete' in b)) throw badRequest(`There is no such action: ${Object.keys(b && typeof b === 'object' ? b : {}).join(',')}`);
        const a = await findAttachment(deps, req, req.params.id);
        await complete(deps, a);
        return { status: 204 };
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/attachments/:id',
      minVersion: '3.27',
      handler: async (req) => {
        const a = await findAttachment(deps, req, req.params.id);
        const left = await detach(deps, a);
        return json({ attachments: left.map(attachmentSummary) });
      },
    }),
  ];
}
