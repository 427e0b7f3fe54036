/**
 * Flavors (nova/api/openstack/compute/flavors.py and flavor_manage.py):
 * GET /flavors, /flavors/detail, /flavors/{id}; POST /flavors,
 * PUT /flavors/{id} (2.55+), DELETE /flavors/{id}.
 */
import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import type { RequestContext } from '../../context.ts';
import type { FlavorListOptions } from '../../db/api/flavors.ts';
import { FlavorNotFound } from '../../exception/resources.ts';
import type { FlavorDTO } from '../../objects/flavor.ts';
import { badRequest } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { allowed, authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { oneOf, validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/flavors.ts';
import { boolFromString, checkName, checkNumberRange, isIntegerString } from './schemas/parameter-types.ts';
import { collectionLinks, last, limitAndMarker, validateQuery } from './schemas/query.ts';
import { FLAVOR_DESCRIPTION_MICROVERSION, FLAVOR_EXTRA_SPECS_MICROVERSION, flavorBrief, flavorDetail } from './views/flavors.ts';

/**
 * Nova's common.get_flavor: look a flavor up by its flavorid. A non-admin
 * only sees public flavors and private ones shared with its project; any
 * other flavor is "Flavor X could not be found." (404).
 */
export async function getFlavor(deps: ApiDeps, ctx: RequestContext, flavorid: string): Promise<FlavorDTO> {
  const f = await deps.db.flavors.getByFlavorId(flavorid);
  if (ctx.is_admin || f.is_public) return f;
  if (ctx.project_id && (await deps.db.flavors.hasAccess(f.id, ctx.project_id))) return f;
  throw FlavorNotFound.of(flavorid);
}

/** May the caller see extra specs embedded in flavors (2.61+)? Nova's os-flavor-extra-specs:index policy, not fatal. */
export function mayShowExtraSpecs(req: ApiRequest): boolean {
  return atLeast(req.version, FLAVOR_EXTRA_SPECS_MICROVERSION) && allowed(req.ctx, 'os_compute_api:os-flavor-extra-specs:index');
}

/** _parse_is_public: absent → true (public, plus shared), "none" → null (all), else a strict boolean. */
function parseIsPublic(v: string | undefined): boolean | null {
  if (v === undefined) return true;
  if (v.toLowerCase() === 'none') return null;
  const l = v.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(l)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(l)) return false;
  throw badRequest(`Invalid is_public filter [${v}]`);
}

function intFilter(q: Readonly<Record<string, string | string[]>>, name: 'minRam' | 'minDisk'): number | undefined {
  const v = last(q, name);
  if (v === undefined) return undefined;
  if (!isIntegerString(v)) throw badRequest(`Invalid ${name} filter [${v}]`);
  return Number(v);
}

async function listFlavors(deps: ApiDeps, req: ApiRequest, detail: boolean): Promise<ApiResponse> {
  const q = validateQuery(req.query, schema.indexQuery, atLeast(req.version, '2.75'));
  const { limit, marker } = limitAndMarker(q, deps.conf.api.max_limit);
  const opts: FlavorListOptions = { limit, marker };
  const isPublic = req.ctx.is_admin ? parseIsPublic(last(q, 'is_public')) : true;
  if (isPublic === true) {
    // Public flavors, and the private ones shared with the caller's project.
    if (req.ctx.project_id) opts.projectId = req.ctx.project_id;
    else opts.isPublic = true;
  } else if (isPublic === false) {
    opts.isPublic = false;
  }
  opts.minMemoryMb = intFilter(q, 'minRam');
  opts.minDisk = intFilter(q, 'minDisk');
  const sortKey = last(q, 'sort_key');
  const sortDir = last(q, 'sort_dir');
  opts.sortKey = oneOf(schema.VALID_SORT_KEYS, sortKey) ? sortKey : 'flavorid';
  opts.sortDir = oneOf(['asc', 'desc'], sortDir) ? sortDir : 'asc';
  const flavors = await deps.db.flavors.list(opts);
  const view = { baseUrl: req.baseUrl, version: req.version, includeExtraSpecs: detail && mayShowExtraSpecs(req) };
  const body: Record<string, unknown> = { flavors: flavors.map((f) => (detail ? flavorDetail(f, view) : flavorBrief(f, view))) };
  const next = collectionLinks(req.baseUrl, detail ? 'flavors/detail' : 'flavors', q, flavors.length, deps.conf.api.max_limit, () => flavors.at(-1)?.flavorid ?? '');
  if (next) body.flavors_links = next;
  return ok(body);
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const f = await getFlavor(deps, req.ctx, req.params.id);
  return ok({ flavor: flavorDetail(f, { baseUrl: req.baseUrl, version: req.version, includeExtraSpecs: mayShowExtraSpecs(req) }) });
}

/** POST /flavors (admin). 200 with the new flavor, as Nova. */
async function create(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const withDescription = atLeast(req.version, FLAVOR_DESCRIPTION_MICROVERSION);
  const body = validate(withDescription ? schema.createV255 : schema.create, req.body);
  const vals: Static<typeof schema.createV255>['flavor'] = body.flavor;
  checkName(vals.name);
  for (const [field, min] of schema.INTEGER_FIELDS) checkNumberRange(field, vals[field], min, schema.MAX_INT);
  if (vals.rxtx_factor !== undefined) checkNumberRange('rxtx_factor', vals.rxtx_factor, 0, schema.RXTX_MAX, true);
  authorize(req.ctx, 'os_compute_api:os-flavor-manage:create');

  // Nova: a missing, null (or other false) id gets a generated UUID; numbers become strings.
  const flavorid = vals.id ? String(vals.id) : randomUUID();
  const flavor = await deps.db.flavors.create({
    flavorid,
    name: vals.name.trim(),
    memory_mb: Number(vals.ram),
    vcpus: Number(vals.vcpus),
    root_gb: Number(vals.disk),
    ephemeral_gb: Number(vals['OS-FLV-EXT-DATA:ephemeral'] ?? 0),
    swap: Number(vals.swap ?? 0),
    rxtx_factor: Number(vals.rxtx_factor ?? 1.0),
    vcpu_weight: null,
    is_public: boolFromString(vals['os-flavor-access:is_public'] ?? true, true),
    description: withDescription ? (vals.description ?? null) : null,
  });
  return ok({ flavor: flavorDetail({ ...flavor, extra_specs: {} }, { baseUrl: req.baseUrl, version: req.version, includeExtraSpecs: mayShowExtraSpecs(req) }) });
}

/** PUT /flavors/{id} (2.55+, admin): only the description changes. */
async function update(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.updateV255, req.body);
  authorize(req.ctx, 'os_compute_api:os-flavor-manage:update');
  const flavor = await deps.db.flavors.update(req.params.id, { description: body.flavor.description });
  return ok({
    flavor: flavorDetail(flavor, { baseUrl: req.baseUrl, version: req.version, includeDescription: true, includeExtraSpecs: mayShowExtraSpecs(req) }),
  });
}

/** DELETE /flavors/{id} (admin): 202. */
async function destroy(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-flavor-manage:delete');
  await deps.db.flavors.destroy(req.params.id);
  return { status: 202 };
}

/** The flavors and flavor-manage routes. */
export function flavorsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/flavors', handler: (req) => listFlavors(deps, req, false) }),
    route({ method: 'GET', path: '/flavors/detail', handler: (req) => listFlavors(deps, req, true) }),
    route({ method: 'GET', path: '/flavors/:id', handler: (req) => show(deps, req) }),
    route({ method: 'POST', path: '/flavors', handler: (req) => create(deps, req) }),
    route({ method: 'PUT', path: '/flavors/:id', minVersion: FLAVOR_DESCRIPTION_MICROVERSION, handler: (req) => update(deps, req) }),
    route({ method: 'DELETE', path: '/flavors/:id', handler: (req) => destroy(deps, req) }),
  ];
}
