/**
 * Flavor extra specs (nova/api/openstack/compute/flavors_extraspecs.py):
 * GET/POST /flavors/{flavor_id}/os-extra_specs and
 * GET/PUT/DELETE /flavors/{flavor_id}/os-extra_specs/{key}. Reading is open
 * to anyone who may see the flavor; writing is admin-only.
 */
import { FlavorNotFound } from '../../exception/resources.ts';
import { badRequest, notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { getFlavor } from './flavors.ts';
import * as schema from './schemas/flavors-extraspecs.ts';

type Specs = Record<string, string | number>;

/** Numbers are accepted as values but may not be longer than 255 characters once written out (Nova's check_string_length). */
function checkValues(specs: Readonly<Specs>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs)) {
    const s = String(v);
    if (typeof v === 'number' && s.length > 255) throw badRequest(`extra_specs value has ${s.length} characters, more than 255.`);
    out[k] = s;
  }
  return out;
}

function noSuchKey(flavorId: string, key: string): Error {
  return notFound(`Flavor ${flavorId} has no extra specs with key ${key}.`);
}

async function index(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-flavor-extra-specs:index');
  const f = await getFlavor(deps, req.ctx, req.params.id);
  return ok({ extra_specs: f.extra_specs });
}

/** POST: merge the given specs into the flavor's; 200 echoing the request body. */
async function create(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.create, req.body);
  authorize(req.ctx, 'os_compute_api:os-flavor-extra-specs:create');
  const specs = checkValues(body.extra_specs);
  const f = await getFlavor(deps, req.ctx, req.params.id);
  await deps.db.flavors.setExtraSpecs(f.flavorid, specs, true);
  return ok(body);
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id' | 'key'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-flavor-extra-specs:show');
  const flavorId = req.params.id;
  const key = req.params.key;
  const f = await getFlavor(deps, req.ctx, flavorId);
  if (!Object.hasOwn(f.extra_specs, key)) throw noSuchKey(flavorId, key);
  return ok({ [key]: f.extra_specs[key] });
}

/** PUT: the body is {key: value} and its key must be the one in the URL. */
async function update(deps: ApiDeps, req: ApiRequestOf<'id' | 'key'>): Promise<ApiResponse> {
  const body = validate(schema.update, req.body);
  authorize(req.ctx, 'os_compute_api:os-flavor-extra-specs:update');
  const specs = checkValues(body);
  const key = req.params.key;
  if (!Object.hasOwn(body, key)) throw badRequest('Request body and URI mismatch');
  const f = await getFlavor(deps, req.ctx, req.params.id);
  await deps.db.flavors.setExtraSpecs(f.flavorid, specs, true);
  return ok(body);
}

/** DELETE: 200 with no body, as Nova. */
async function destroy(deps: ApiDeps, req: ApiRequestOf<'id' | 'key'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-flavor-extra-specs:delete');
  const flavorId = req.params.id;
  const key = req.params.key;
  const f = await getFlavor(deps, req.ctx, flavorId);
  let removed: boolean;
  try {
    removed = await deps.db.flavors.deleteExtraSpec(f.flavorid, key);
  } catch (e) {
    if (e instanceof FlavorNotFound) throw notFound(e.message);
    throw e;
  }
  if (!removed) throw noSuchKey(flavorId, key);
  return { status: 200 };
}

/** The flavor extra specs routes. */
export function flavorExtraSpecsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/flavors/:id/os-extra_specs', handler: (req) => index(deps, req) }),
    route({ method: 'POST', path: '/flavors/:id/os-extra_specs', handler: (req) => create(deps, req) }),
    route({ method: 'GET', path: '/flavors/:id/os-extra_specs/:key', handler: (req) => show(deps, req) }),
    route({ method: 'PUT', path: '/flavors/:id/os-extra_specs/:key', handler: (req) => update(deps, req) }),
    route({ method: 'DELETE', path: '/flavors/:id/os-extra_specs/:key', handler: (req) => destroy(deps, req) }),
  ];
}
