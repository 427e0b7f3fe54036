/**
 * Volume types (cinder/api/v2/types.py, contrib/types_manage.py and
 * types_extra_specs.py): __DEFAULT__ always exists, admins create, update
 * and delete types and their extra specs, everyone lists public types.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import type { VolumeStore } from './db/store.ts';
import { badRequest, CinderError, conflict, notFound, typeNotFound } from './errors.ts';
import { json, route, type VolumeDeps, type VolumeRequest, type VolumeRoute } from './http.ts';
import { DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME, type VolumeTypeDoc } from './model.ts';
import { assertAdmin } from './policy.ts';
import { boolParam, param } from './query.ts';
import { typeView } from './views.ts';

/** __DEFAULT__, made when missing (Cinder's migration creates it). */
export async function ensureDefaultType(store: VolumeStore): Promise<VolumeTypeDoc> {
  const find = async () => (await store.list('volume_types')).find((t) => t.name === DEFAULT_TYPE_NAME);
  const existing = await find();
  if (existing) return existing;
  try {
    // One id for every volume service of a deployment: two starting at once insert the same row, one of them fails on the key.
    return await store.insert('volume_types', {
      id: DEFAULT_TYPE_ID,
      project_id: '',
      name: DEFAULT_TYPE_NAME,
      description: 'Default Volume Type',
      is_public: true,
      extra_specs: {},
    });
  } catch (e) {
    const raced = await find();
    if (raced) return raced;
    throw e;
  }
}

/** A type by id or name (as volume create takes it); null when none. */
export async function findType(store: VolumeStore, idOrName: string): Promise<VolumeTypeDoc | null> {
  return (await store.get('volume_types', idOrName)) ?? (await store.list('volume_types')).find((t) => t.name === idOrName) ?? null;
}

/** The type a volume created without one gets: [volume_server] default_volume_type, else __DEFAULT__. */
export async function defaultType(deps: VolumeDeps): Promise<VolumeTypeDoc> {
  const configured = await findType(deps.store, deps.conf.default_volume_type);
  if (configured) return configured;
  if (deps.conf.default_volume_type !== DEFAULT_TYPE_NAME) {
    throw new CinderError(500, `The request cannot be fulfilled as the default volume type ${deps.conf.default_volume_type} cannot be found.`);
  }
  return ensureDefaultType(deps.store);
}

function body(req: VolumeRequest): Record<string, unknown> {
  const b: unknown = req.body;
  const t = b && typeof b === 'object' && 'volume_type' in b ? b.volume_type : undefined;
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw badRequest("Missing required element 'volume_type' in request body.");
  return { ...t };
}

function specsOf(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest('Invalid input received: extra_specs must be a dictionary.');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.length < 1 || k.length > 255) throw badRequest('Invalid input for field/attribute extra_specs. Value: key length must be 1 to 255 characters.');
    out[k] = typeof x === 'string' ? x : String(x);
  }
  return out;
}

/** Public, or private and shared with the caller's project, or the caller is an admin. */
export function typeVisible(ctx: RequestContext, t: VolumeTypeDoc): boolean {
  return t.is_public || ctx.is_admin || (ctx.project_id !== null && (t.projects ?? []).includes(ctx.project_id));
}

export async function visibleType(deps: VolumeDeps, req: VolumeRequest, id: string): Promise<VolumeTypeDoc> {
  const t = id === 'default' ? await defaultType(deps) : await deps.store.get('volume_types', id);
  if (!t || !typeVisible(req.ctx, t)) throw typeNotFound(id);
  return t;
}

async function nameTaken(deps: VolumeDeps, name: string, except?: string): Promise<boolean> {
  return (await deps.store.list('volume_types')).some((t) => t.name === name && t.id !== except);
}

export function typeRoutes(deps: VolumeDeps): VolumeRoute[] {
  const { store } = deps;
  return [
    route({
      method: 'GET',
      path: '/v3/types',
      handler: async (req) => {
        await ensureDefaultType(store);
        const isPublic = param(req, 'is_public');
        let types = await store.list('volume_types');
        if (!req.ctx.is_admin) types = types.filter((t) => typeVisible(req.ctx, t));
        else if (isPublic !== undefined && isPublic.toLowerCase() !== 'none') types = types.filter((t) => t.is_public === boolParam(isPublic, 'is_public'));
        return json({ volume_types: types.map((t) => typeView(req, t)) });
      },
    }),
    route({ method: 'GET', path: '/v3/types/:id', handler: async (req) => json({ volume_type: typeView(req, await visibleType(deps, req, req.params.id)) }) }),
    route({
      method: 'POST',
      path: '/v3/types',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:types_manage');
        const b = body(req);
        const name = typeof b.name === 'string' ? b.name.trim() : '';
        if (!name) throw badRequest('Volume type name can not be empty.');
        if (name.length > 255) throw badRequest('Invalid input for field/attribute name. Value is too long.');
        if (await nameTaken(deps, name)) throw conflict(`Volume Type ${name} already exists.`);
        const pub = b['os-volume-type-access:is_public'] ?? b.is_public ?? true;
        const t = await store.insert('volume_types', {
          id: randomUUID(),
          project_id: '',
          name,
          description: typeof b.description === 'string' ? b.description : null,
          is_public: typeof pub === 'boolean' ? pub : boolParam(String(pub), 'is_public'),
          extra_specs: specsOf(b.extra_specs),
        });
        return json({ volume_type: typeView(req, t) });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/types/:id',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:types_manage');
        const t = await visibleType(deps, req, req.params.id);
        const b = body(req);
        const pub = b['os-volume-type-access:is_public'] ?? b.is_public;
        if (b.name === undefined && b.description === undefined && pub === undefined)
          throw badRequest('Specify volume type name, description, is_public or a combination thereof.');
        const changes: Partial<VolumeTypeDoc> = {};
        if (b.name !== undefined) {
          const name = typeof b.name === 'string' ? b.name.trim() : '';
          if (!name) throw badRequest('Volume type name can not be empty.');
          if (t.name === DEFAULT_TYPE_NAME) throw badRequest('The default volume type cannot be renamed.');
          if (await nameTaken(deps, name, t.id)) throw conflict(`Volume Type ${name} already exists.`);
          changes.name = name;
        }
        if (b.description !== undefined) changes.description = b.description === null ? null : String(b.description);
        if (pub !== undefined) changes.is_public = typeof pub === 'boolean' ? pub : boolParam(String(pub), 'is_public');
        const updated = await store.update('volume_types', t.id, changes);
        if (!updated) throw typeNotFound(t.id);
        return json({ volume_type: typeView(req, updated) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/types/:id',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:types_manage');
        const t = await visibleType(deps, req, req.params.id);
        if (t.name === DEFAULT_TYPE_NAME || t.name === deps.conf.default_volume_type) {
          throw badRequest(`The volume type ${t.id} is a default volume type and cannot be deleted.`);
        }
        if ((await store.list('volumes')).some((v) => v.volume_type_id === t.id)) throw badRequest('Target volume type is still in use.');
        await store.delete('volume_types', t.id);
        return { status: 202 };
      },
    }),
    route({
      method: 'GET',
      path: '/v3/types/:id/extra_specs',
      handler: async (req) => json({ extra_specs: (await visibleType(deps, req, req.params.id)).extra_specs }),
    }),
    route({
      method: 'GET',
      path: '/v3/types/:id/extra_specs/:key',
      handler: async (req) => {
        const t = await visibleType(deps, req, req.params.id);
        const v = t.extra_specs[req.params.key];
        if (v === undefined) throw notFound(`Volume Type ${t.id} has no extra specs with key ${req.params.key}.`);
        return json({ [req.params.key]: v });
      },
    }),
    route({
      method: 'POST',
      path: '/v3/types/:id/extra_specs',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:types_extra_specs:create');
        const t = await visibleType(deps, req, req.params.id);
        const b: unknown = req.body;
        const specs = specsOf(b && typeof b === 'object' && 'extra_specs' in b ? b.extra_specs : null);
        const updated = await store.update('volume_types', t.id, { extra_specs: { ...t.extra_specs, ...specs } });
        return json({ extra_specs: updated?.extra_specs ?? {} });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/types/:id/extra_specs/:key',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:types_extra_specs:update');
        const t = await visibleType(deps, req, req.params.id);
        const specs = specsOf(req.body);
        if (Object.keys(specs).length !== 1) throw badRequest('Request body contains too many items.');
        if (!(req.params.key in specs)) throw badRequest('Request body and URI mismatch');
        await store.update('volume_types', t.id, { extra_specs: { ...t.extra_specs, ...specs } });
        return json(specs);
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/types/:id/extra_specs/:key',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:types_extra_specs:delete');
        const t = await visibleType(deps, req, req.params.id);
        if (t.extra_specs[req.params.key] === undefined) throw notFound(`Volume Type ${t.id} has no extra specs with key ${req.params.key}.`);
        const { [req.params.key]: _gone, ...rest } = t.extra_specs;
        await store.update('volume_types', t.id, { extra_specs: rest });
        return { status: 202 };
      },
    }),
  ];
}
