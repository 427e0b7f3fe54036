/**
 * /v3/{project_id}/snapshots (cinder/api/v3/snapshots.py, the v2 views):
 * list (summary and detail, filters, pages), create of an available volume
 * (in-use with force, or from 3.66 without it), show, update, delete (available or error only), and
 * the metadata subresource; the driver's work after the 202.
 */
import { randomUUID } from 'node:crypto';
import { atLeast } from '../http/microversion.ts';
import { element, findSnapshot, findVolume, metadataOf, optString } from './common.ts';
import { badRequest, invalidSnapshot, invalidVolume, snapshotNotFound } from './errors.ts';
import { accepted, json, route, type VolumeDeps, type VolumeRequest, type VolumeRoute } from './http.ts';
import type { SnapshotDoc } from './model.ts';
import { allTenants, boolParam, filtersOf, matches, paginate, param } from './query.ts';
import { checkQuota } from './quotas.ts';
import { nextLink, snapshotView } from './views.ts';

/** Cinder's answer to force=false from 3.66 (its text, typo included). */
const SNAPSHOT_IN_USE_FLAG_MSG =
  "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.";

const FILTERS = ['name', 'status', 'volume_id', 'metadata', 'availability_zone', 'consumes_quota'];
const SORT_KEYS = ['id', 'name', 'status', 'size', 'created_at', 'updated_at', 'volume_id', 'project_id'];

function field(s: SnapshotDoc, k: string): unknown {
  const m = new Map<string, unknown>(Object.entries(s));
  return k === 'availability_zone' || k === 'consumes_quota' ? undefined : m.get(k);
}

async function listSnapshots(deps: VolumeDeps, req: VolumeRequest, detail: boolean) {
  const project = allTenants(req) ? (req.ctx.is_admin ? param(req, 'project_id') : undefined) : (req.ctx.project_id ?? '');
  const filters = filtersOf(req, FILTERS);
  const snaps = (await deps.store.list('snapshots', project === undefined ? {} : { project_id: project })).filter((s) => filters.every((f) => matches(field(s, f.key), f)));
  const { page, count, full } = paginate(req, snaps, { sortKeys: SORT_KEYS, maxLimit: deps.conf.osapi_max_limit, key: field });
  const body: Record<string, unknown> = { snapshots: page.map((s) => snapshotView(req, s)) };
  const last = page.at(-1);
  if (full && last) body.snapshots_links = [nextLink(req, detail ? 'snapshots/detail' : 'snapshots', last.id)];
  if (count !== undefined) body.count = count;
  return json(body);
}

export function snapshotRoutes(deps: VolumeDeps): VolumeRoute[] {
  const { store, driver } = deps;
  const setMeta = async (req: VolumeRequest, id: string, metadata: Record<string, string>) => {
    await findSnapshot(deps, req.ctx, id);
    const updated = await store.update('snapshots', id, { metadata });
    if (!updated) throw snapshotNotFound(id);
    return updated.metadata;
  };
  const metaBody = (req: VolumeRequest): Record<string, string> => {
    const b: unknown = req.body;
    if (!b || typeof b !== 'object' || !('metadata' in b)) throw badRequest("Missing required element 'metadata' in request body.");
    return metadataOf(b.metadata);
  };
  return [
    route({ method: 'GET', path: '/v3/snapshots', handler: (req) => listSnapshots(deps, req, false) }),
    route({ method: 'GET', path: '/v3/snapshots/detail', handler: (req) => listSnapshots(deps, req, true) }),
    route({ method: 'GET', path: '/v3/snapshots/:id', handler: async (req) => json({ snapshot: snapshotView(req, await findSnapshot(deps, req.ctx, req.params.id)) }) }),
    route({
      method: 'POST',
      path: '/v3/snapshots',
      handler: async (req) => {
        const b = element(req, 'snapshot');
        if (typeof b.volume_id !== 'string') throw badRequest("Invalid input for field/attribute snapshot. Value: 'volume_id' is a required property");
        const forced = typeof b.force === 'boolean' ? b.force : b.force === undefined || b.force === null ? undefined : boolParam(String(b.force), 'force');
        // From 3.66 an in-use volume needs no force; force=false is refused there (a true one silently accepted).
        const v = await findVolume(deps, req.ctx, b.volume_id);
        const inUseAllowed = atLeast(req.version, '3.66');
        if (inUseAllowed && forced === false) throw badRequest(SNAPSHOT_IN_USE_FLAG_MSG);
        const allowed = forced || inUseAllowed ? ['available', 'in-use'] : ['available'];
        if (v.status === 'error') throw invalidVolume('The snapshot cannot be created when the volume is in error status.');
        if (v.migration_status) throw invalidVolume('Snapshot cannot be created while volume is migrating.');
        if (!allowed.includes(v.status)) throw invalidVolume(`Volume ${v.id} status must be ${allowed.join(', ')}, but current status is: ${v.status}.`);
        const type = await store.get('volume_types', v.volume_type_id);
        await checkQuota(deps, v.project_id, 'snapshots', v.size, type?.name ?? '');
        const s = await store.insert('snapshots', {
          id: randomUUID(),
          project_id: v.project_id,
          user_id: req.ctx.user_id,
          volume_id: v.id,
          name: optString(b, 'name') ?? optString(b, 'display_name') ?? null,
          description: optString(b, 'description', 65535) ?? optString(b, 'display_description', 65535) ?? null,
          status: 'creating',
          size: v.size,
          metadata: metadataOf(b.metadata),
          progress: '0%',
        });
        deps.worker.run(
          v.id,
          `snapshot ${s.id} of volume ${v.id}`,
          async () => {
            await driver.createSnapshot(v.id, s.id);
            await store.update('snapshots', s.id, { status: 'available', progress: '100%' }, ['creating']);
          },
          async () => {
            await store.update('snapshots', s.id, { status: 'error' });
          },
        );
        return accepted({ snapshot: snapshotView(req, s) });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/snapshots/:id',
      handler: async (req) => {
        const b = element(req, 'snapshot');
        const s = await findSnapshot(deps, req.ctx, req.params.id);
        const changes: Partial<SnapshotDoc> = {};
        if ('name' in b || 'display_name' in b) changes.name = optString(b, 'name') ?? optString(b, 'display_name') ?? null;
        if ('description' in b || 'display_description' in b) changes.description = optString(b, 'description', 65535) ?? optString(b, 'display_description', 65535) ?? null;
        if (!Object.keys(changes).length) throw badRequest('Invalid input for field/attribute snapshot. Value: {}. {} does not have enough properties');
        const updated = await store.update('snapshots', s.id, changes);
        if (!updated) throw snapshotNotFound(s.id);
        return json({ snapshot: snapshotView(req, updated) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/snapshots/:id',
      handler: async (req) => {
        const s = await findSnapshot(deps, req.ctx, req.params.id);
        const expected = ['available', 'error'];
        const refuse = () => invalidSnapshot(`Snapshot status must be ${expected.join(' or ')} and must not be part of a group.`);
        if ((await store.list('volumes', {})).some((v) => v.snapshot_id === s.id && v.status === 'creating')) throw refuse();
        if (!(await store.update('snapshots', s.id, { status: 'deleting' }, expected))) throw refuse();
        deps.worker.run(
          s.volume_id,
          `delete of snapshot ${s.id}`,
          async () => {
            await driver.deleteSnapshot(s.volume_id, s.id);
            await store.delete('snapshots', s.id);
          },
          async () => {
            await store.update('snapshots', s.id, { status: 'error_deleting' });
          },
        );
        return accepted();
      },
    }),
    route({ method: 'GET', path: '/v3/snapshots/:id/metadata', handler: async (req) => json({ metadata: (await findSnapshot(deps, req.ctx, req.params.id)).metadata }) }),
    route({
      method: 'POST',
      path: '/v3/snapshots/:id/metadata',
      handler: async (req) => {
        const meta = metaBody(req);
        const s = await findSnapshot(deps, req.ctx, req.params.id);
        return json({ metadata: await setMeta(req, s.id, { ...s.metadata, ...meta }) });
      },
    }),
    route({ method: 'PUT', path: '/v3/snapshots/:id/metadata', handler: async (req) => json({ metadata: await setMeta(req, req.params.id, metaBody(req)) }) }),
  ];
}
