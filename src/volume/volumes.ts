/**
 * /v3/{project_id}/volumes (cinder/api/v3/volumes.py): list (summary and
 * detail, filters, sort, pages, with_count), show, update, delete; the
 * metadata subresource. Create is in volume-create.ts.
 */
import { atLeast } from '../http/microversion.ts';
import { detailOf, detailsOf, element, findVolume, metadataOf, optString } from './common.ts';
import { badRequest, invalidVolume, notFound, policyDenied, volumeNotFound } from './errors.ts';
import { accepted, json, route, type VolumeDeps, type VolumeRequest, type VolumeRoute } from './http.ts';
import type { VolumeDoc } from './model.ts';
import { allTenants, boolParam, filtersOf, matches, paginate, param } from './query.ts';
import { nextLink, volumeSummary } from './views.ts';

const FILTERS = ['name', 'status', 'metadata', 'bootable', 'migration_status', 'availability_zone', 'group_id', 'size', 'created_at', 'updated_at', 'consumes_quota'];
const SORT_KEYS = ['id', 'name', 'status', 'size', 'availability_zone', 'created_at', 'updated_at', 'bootable', 'volume_type', 'project_id'];

function field(v: VolumeDoc, k: string): unknown {
  switch (k) {
    case 'name':
      return v.name;
    case 'status':
      return v.status;
    case 'metadata':
      return v.metadata;
    case 'bootable':
      return v.bootable;
    case 'migration_status':
      return v.migration_status;
    case 'availability_zone':
      return v.availability_zone;
    case 'size':
      return v.size;
    case 'created_at':
      return v.created_at;
    case 'updated_at':
      return v.updated_at;
    case 'id':
      return v.id;
    case 'project_id':
      return v.project_id;
    case 'volume_type':
      return v.volume_type_id;
    case 'user_id':
      return v.user_id;
    default:
      return undefined;
  }
}

async function listVolumes(deps: VolumeDeps, req: VolumeRequest, detail: boolean) {
  const all = allTenants(req);
  const asked = req.ctx.is_admin ? param(req, 'project_id') : undefined;
  const project = all ? asked : (req.ctx.project_id ?? '');
  const filters = filtersOf(req, FILTERS);
  const vols = (await deps.store.list('volumes', project === undefined ? {} : { project_id: project })).filter((v) => filters.every((f) => matches(field(v, f.key), f)));
  const { page, count, full } = paginate(req, vols, { sortKeys: SORT_KEYS, maxLimit: deps.conf.osapi_max_limit, key: field });
  const collection = detail ? 'volumes/detail' : 'volumes';
  const body: Record<string, unknown> = { volumes: detail ? await detailsOf(deps, req, page) : page.map((v) => volumeSummary(req, v)) };
  const last = page.at(-1);
  if (full && last) body.volumes_links = [nextLink(req, collection, last.id)];
  if (count !== undefined) body.count = count;
  return json(body);
}

/** Cinder's delete: the status and the attachments, snapshots and migration that forbid it. */
async function deleteVolume(deps: VolumeDeps, req: VolumeRequest, v: VolumeDoc): Promise<void> {
  const cascade = boolParam(param(req, 'cascade'), 'cascade');
  const force = boolParam(param(req, 'force'), 'force');
  if (force && !(req.ctx.is_admin && atLeast(req.version, '3.23'))) {
    throw policyDenied('volume:force_delete');
  }
  const expected = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
  const snaps = await deps.store.list('snapshots', { parent_id: v.id });
  const atts = (await deps.store.list('volume_attachments', { parent_id: v.id })).filter((a) => a.attach_status !== 'detached');
  const blocked =
    (!force && !expected.includes(v.status)) ||
    atts.length > 0 ||
    v.migration_status !== null ||
    (!cascade && snaps.length > 0) ||
    (cascade && snaps.some((s) => !['available', 'error'].includes(s.status)));
  const refuse = () =>
    invalidVolume(
      `Volume ${force ? '' : `status must be ${expected.join(' or ')} and `}must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.`,
    );
  if (blocked) throw refuse();
  const moved = await deps.store.update('volumes', v.id, { status: 'deleting' }, force ? undefined : expected);
  if (!moved) throw refuse();
  if (cascade) for (const s of snaps) await deps.store.update('snapshots', s.id, { status: 'deleting' });
  deps.worker.run(
    v.id,
    `delete of volume ${v.id}`,
    async () => {
      for (const s of cascade ? snaps : []) {
        await deps.driver.deleteSnapshot(v.id, s.id);
        await deps.store.delete('snapshots', s.id);
      }
      await deps.driver.deleteVolume(v.id);
      await deps.store.delete('volumes', v.id);
    },
    async () => {
      await deps.store.update('volumes', v.id, { status: 'error_deleting' });
    },
  );
}

export function volumeRoutes(deps: VolumeDeps): VolumeRoute[] {
  const { store } = deps;
  const metaOf = async (req: VolumeRequest, id: string) => (await findVolume(deps, req.ctx, id)).metadata;
  const setMeta = async (req: VolumeRequest, id: string, metadata: Record<string, string>) => {
    const v = await findVolume(deps, req.ctx, id);
    if (v.status === 'maintenance') throw invalidVolume('Updating volume metadata is not allowed for volumes in maintenance status.');
    const updated = await store.update('volumes', id, { metadata });
    if (!updated) throw volumeNotFound(id);
    return updated.metadata;
  };
  return [
    route({ method: 'GET', path: '/v3/volumes', handler: (req) => listVolumes(deps, req, false) }),
    route({ method: 'GET', path: '/v3/volumes/detail', handler: (req) => listVolumes(deps, req, true) }),
    route({
      method: 'GET',
      path: '/v3/volumes/summary',
      minVersion: '3.12',
      handler: async (req) => {
        const vols = await deps.store.list('volumes', allTenants(req) ? {} : { project_id: req.ctx.project_id ?? '' });
        const summary: Record<string, unknown> = { total_count: vols.length, total_size: vols.reduce((n, v) => n + v.size, 0) };
        if (atLeast(req.version, '3.36')) {
          const meta: Record<string, string[]> = {};
          for (const v of vols) {
            for (const [k, x] of Object.entries(v.metadata)) {
              const values = meta[k] ?? [];
              if (!values.includes(x)) meta[k] = [...values, x];
            }
          }
          summary.metadata = meta;
        }
        return json({ 'volume-summary': summary });
      },
    }),
    route({ method: 'GET', path: '/v3/volumes/:id', handler: async (req) => json({ volume: await detailOf(deps, req, await findVolume(deps, req.ctx, req.params.id)) }) }),
    route({
      method: 'PUT',
      path: '/v3/volumes/:id',
      handler: async (req) => {
        const b = element(req, 'volume');
        const v = await findVolume(deps, req.ctx, req.params.id);
        const changes: Partial<VolumeDoc> = {};
        const name = optString(b, 'name') ?? optString(b, 'display_name');
        const description = optString(b, 'description', 1024 * 64) ?? optString(b, 'display_description', 1024 * 64);
        if ('name' in b || 'display_name' in b) changes.name = name ?? null;
        if ('description' in b || 'display_description' in b) changes.description = description ?? null;
        if ('metadata' in b) changes.metadata = metadataOf(b.metadata);
        if (!Object.keys(changes).length) throw badRequest('Invalid input for field/attribute volume. Value: {}. {} does not have enough properties');
        const updated = await store.update('volumes', v.id, changes);
        if (!updated) throw volumeNotFound(v.id);
        return json({ volume: await detailOf(deps, req, updated) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/volumes/:id',
      handler: async (req) => {
        await deleteVolume(deps, req, await findVolume(deps, req.ctx, req.params.id));
        return accepted();
      },
    }),
    // os-volume-encryption-metadata: no volume type here is encrypted.
    route({
      method: 'GET',
      path: '/v3/volumes/:id/encryption',
      handler: async (req) => {
        await findVolume(deps, req.ctx, req.params.id);
        return json({ encryption_key_id: null });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/volumes/:id/encryption/:key',
      handler: async (req) => {
        await findVolume(deps, req.ctx, req.params.id);
        if (req.params.key !== 'encryption_key_id') throw notFound('The resource could not be found.');
        return json(null);
      },
    }),
    route({ method: 'GET', path: '/v3/volumes/:id/metadata', handler: async (req) => json({ metadata: await metaOf(req, req.params.id) }) }),
    route({
      method: 'POST',
      path: '/v3/volumes/:id/metadata',
      handler: async (req) => {
        const b: unknown = req.body;
        const meta = metadataOf(b && typeof b === 'object' && 'metadata' in b ? b.metadata : undefined);
        if (!b || typeof b !== 'object' || !('metadata' in b)) throw badRequest("Missing required element 'metadata' in request body.");
        return json({ metadata: await setMeta(req, req.params.id, { ...(await metaOf(req, req.params.id)), ...meta }) });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/volumes/:id/metadata',
      handler: async (req) => {
        const b: unknown = req.body;
        if (!b || typeof b !== 'object' || !('metadata' in b)) throw badRequest("Missing required element 'metadata' in request body.");
        return json({ metadata: await setMeta(req, req.params.id, metadataOf(b.metadata)) });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/volumes/:id/metadata/:key',
      handler: async (req) => {
        const meta = await metaOf(req, req.params.id);
        const v = meta[req.params.key];
        if (v === undefined) throw notFound(`Volume ${req.params.id} has no metadata with key ${req.params.key}.`);
        return json({ meta: { [req.params.key]: v } });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/volumes/:id/metadata/:key',
      handler: async (req) => {
        const b: unknown = req.body;
        const meta = metadataOf(b && typeof b === 'object' && 'meta' in b ? b.meta : undefined, 'meta');
        if (Object.keys(meta).length !== 1) throw badRequest('Request body contains too many items.');
        if (!(req.params.key in meta)) throw badRequest('Request body and URI mismatch');
        await setMeta(req, req.params.id, { ...(await metaOf(req, req.params.id)), ...meta });
        return json({ meta });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/volumes/:id/metadata/:key',
      handler: async (req) => {
        const meta = await metaOf(req, req.params.id);
        if (meta[req.params.key] === undefined) throw notFound(`Volume ${req.params.id} has no metadata with key ${req.params.key}.`);
        const { [req.params.key]: _gone, ...rest } = meta;
        await setMeta(req, req.params.id, rest);
        return { status: 200 };
      },
    }),
  ];
}
