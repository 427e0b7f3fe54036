/**
 * os-volumes and os-snapshots (nova/api/openstack/compute/volumes.py,
 * snapshots.py): the deprecated proxies to the volume service as the
 * caller, up to 2.35 (404 from 2.36). Volumes: list, detail, show (404
 * 'Volume X could not be found.'), create (size, display_name,
 * display_description, volume_type, metadata, availability_zone,
 * snapshot_id: 404 for an unknown snapshot; 200 with Location), delete
 * (202; the volume service's 400, e.g. an attached volume, as
 * InvalidInput). Snapshots: list, detail, show, create (force for an
 * in-use volume; over quota 403), delete. offset/limit as common.limited.
 * Policies os_compute_api:os-volumes:* and os-volumes:snapshots:*.
 */
import type { CinderClient } from '../../clients/cinder.ts';
import { InvalidInput, OverQuota } from '../../exception/volume.ts';
import { badRequest, forbidden } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import { MAX_PROXY } from './network-proxies.ts';
import { boolFromString } from './schemas/parameter-types.ts';
import { last, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/volumes.ts';
import type { ServerApiDeps } from './servers.ts';
import { snapshotView, volumeView } from './views/volumes.ts';

const P = 'os_compute_api:os-volumes';

const own = (req: ApiRequest, rule: string) => authorize(req.ctx, `${P}:${rule}`, { project_id: req.ctx.project_id });
const cinder = (d: ServerApiDeps): CinderClient => d.compute.volumes.volume;

/** common.limited: offset, then at most limit (and [api] max_limit). */
function limited<T>(d: ServerApiDeps, req: ApiRequest, items: readonly T[]): T[] {
  const q = validateQuery(req.query, schema.indexQuery, false);
  const offset = Number(last(q, 'offset') ?? 0);
  const max = d.conf.api.max_limit;
  const limit = Math.min(max, Number(last(q, 'limit') ?? 0) || max);
  return items.slice(offset, offset + limit);
}

async function badInput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InvalidInput) throw badRequest(e.message);
    if (e instanceof OverQuota) throw forbidden(e.message);
    throw e;
  }
}

async function listVolumes(d: ServerApiDeps, req: ApiRequest, rule: 'list' | 'detail'): Promise<ApiResponse> {
  own(req, rule);
  return ok({ volumes: limited(d, req, await cinder(d).listVolumes(req.ctx)).map(volumeView) });
}

async function showVolume(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req, 'show');
  return ok({ volume: volumeView(await cinder(d).getVolume(req.ctx, req.params.id)) });
}

async function createVolume(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req, 'create');
  const v = validate(schema.createVolume, req.body).volume;
  const snapshot = v.snapshot_id === undefined ? null : await cinder(d).getSnapshot(req.ctx, v.snapshot_id);
  const metadata = v.metadata === undefined ? undefined : Object.fromEntries(Object.entries(v.metadata).map(([k, x]) => [k, String(x)]));
  const made = await badInput(() =>
    cinder(d).createVolume(req.ctx, {
      size: Number(v.size ?? snapshot?.size),
      name: v.display_name ?? null,
      description: v.display_description ?? null,
      snapshot_id: snapshot?.id ?? null,
      volume_type: v.volume_type ?? null,
      availability_zone: v.availability_zone ?? null,
      ...(metadata ? { metadata } : {}),
    }),
  );
  return { status: 200, body: { volume: volumeView(made) }, headers: { Location: `${req.baseUrl}/v2.1/os-volumes/${made.id}` } };
}

async function deleteVolume(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req, 'delete');
  await badInput(() => cinder(d).deleteVolume(req.ctx, req.params.id));
  return { status: 202 };
}

async function listSnapshots(d: ServerApiDeps, req: ApiRequest, rule: 'list' | 'detail'): Promise<ApiResponse> {
  own(req, `snapshots:${rule}`);
  return ok({ snapshots: limited(d, req, await cinder(d).listSnapshots(req.ctx)).map(snapshotView) });
}

async function showSnapshot(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req, 'snapshots:show');
  return ok({ snapshot: snapshotView(await cinder(d).getSnapshot(req.ctx, req.params.id)) });
}

async function createSnapshot(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req, 'snapshots:create');
  const s = validate(schema.createSnapshot, req.body).snapshot;
  const force = s.force === undefined ? false : boolFromString(s.force, true);
  const made = await badInput(() => cinder(d).createSnapshot(req.ctx, s.volume_id, s.display_name ?? null, s.display_description ?? null, force));
  return ok({ snapshot: snapshotView(made) });
}

async function deleteSnapshot(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req, 'snapshots:delete');
  await cinder(d).deleteSnapshot(req.ctx, req.params.id);
  return { status: 202 };
}

/** /os-volumes, /os-volumes/detail, /os-volumes/{id}, /os-snapshots, /os-snapshots/detail, /os-snapshots/{id}, up to 2.35. */
export function volumesRoutes(d: ServerApiDeps): Route[] {
  const m = MAX_PROXY;
  return [
    route({ method: 'GET', path: '/os-volumes', maxVersion: m, policy: `${P}:list`, handler: (req) => listVolumes(d, req, 'list') }),
    route({ method: 'GET', path: '/os-volumes/detail', maxVersion: m, policy: `${P}:detail`, handler: (req) => listVolumes(d, req, 'detail') }),
    route({ method: 'POST', path: '/os-volumes', maxVersion: m, policy: `${P}:create`, handler: (req) => createVolume(d, req) }),
    route({ method: 'GET', path: '/os-volumes/:id', maxVersion: m, policy: `${P}:show`, handler: (req) => showVolume(d, req) }),
    route({ method: 'DELETE', path: '/os-volumes/:id', maxVersion: m, policy: `${P}:delete`, handler: (req) => deleteVolume(d, req) }),
    route({ method: 'GET', path: '/os-snapshots', maxVersion: m, policy: `${P}:snapshots:list`, handler: (req) => listSnapshots(d, req, 'list') }),
    route({ method: 'GET', path: '/os-snapshots/detail', maxVersion: m, policy: `${P}:snapshots:detail`, handler: (req) => listSnapshots(d, req, 'detail') }),
    route({ method: 'POST', path: '/os-snapshots', maxVersion: m, policy: `${P}:snapshots:create`, handler: (req) => createSnapshot(d, req) }),
    route({ method: 'GET', path: '/os-snapshots/:id', maxVersion: m, policy: `${P}:snapshots:show`, handler: (req) => showSnapshot(d, req) }),
    route({ method: 'DELETE', path: '/os-snapshots/:id', maxVersion: m, policy: `${P}:snapshots:delete`, handler: (req) => deleteSnapshot(d, req) }),
  ];
}
