/**
 * os-quota-sets (nova/api/openstack/compute/quota_sets.py): GET
 * /os-quota-sets/{project_id}[/defaults|/detail], PUT and DELETE (admin).
 * A project may read its own quotas; anyone may read the defaults.
 */

import { COUNTABLE, effectiveLimits, isQuotaResource, usage } from '../../compute-api/quota.ts';
import { defaultQuotas, projectMinimums } from '../../compute-api/quota-classes.ts';
import type { RequestContext } from '../../context.ts';
import { badRequest, forbidden } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { userQuotaDelete, userQuotaDetail, userQuotaShow, userQuotaUpdate } from './quota-sets-user.ts';
import { boolFromString, checkNumberRange, MAX_INT } from './schemas/parameter-types.ts';
import { first, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/quota-sets.ts';
import { quotaSet, quotaSetDetail } from './views/quota-sets.ts';

/** PROJECT_READER_OR_ADMIN: an admin, or a member of the project asked about. */
function authorizeProject(ctx: RequestContext, action: 'show' | 'detail', projectId: string): void {
  if (ctx.is_admin || ctx.project_id === projectId) return;
  throw forbidden(`Policy doesn't allow os_compute_api:os-quota-sets:${action} to be performed.`);
}

function checkQuery(req: ApiRequest) {
  return validateQuery(req.query, schema.query, atLeast(req.version, '2.75'));
}

async function show(deps: ApiDeps, req: ApiRequestOf<'project_id'>): Promise<ApiResponse> {
  const q = checkQuery(req);
  const projectId = req.params.project_id;
  authorizeProject(req.ctx, 'show', projectId);
  const userId = first(q, 'user_id');
  if (userId) return userQuotaShow(deps, projectId, userId, req.version);
  // Without per-user quotas of its own, a user's limits are the project's.
  return ok(quotaSet(projectId, await effectiveLimits(deps, projectId), req.version));
}

async function detail(deps: ApiDeps, req: ApiRequestOf<'project_id'>): Promise<ApiResponse> {
  const q = checkQuery(req);
  const projectId = req.params.project_id;
  authorizeProject(req.ctx, 'detail', projectId);
  const userId = first(q, 'user_id');
  if (userId) return userQuotaDetail(deps, projectId, userId, req.version);
  const [limits, used] = await Promise.all([effectiveLimits(deps, projectId), usage(deps, projectId, first(q, 'user_id') || null)]);
  return ok(quotaSetDetail(projectId, limits, used, req.version));
}

async function defaults(deps: ApiDeps, req: ApiRequestOf<'project_id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-quota-sets:defaults');
  return ok(quotaSet(req.params.project_id, await defaultQuotas(deps), req.version));
}

function updateSchemaFor(v: Microversion) {
  if (atLeast(v, '2.57')) return schema.updateV257;
  if (atLeast(v, '2.36')) return schema.updateV236;
  return schema.update;
}

/** PUT (admin): new limits must cover what the project already uses unless "force"; answers the limits, without id. */
async function update(deps: ApiDeps, req: ApiRequestOf<'project_id'>): Promise<ApiResponse> {
  const q = checkQuery(req);
  const body: schema.UpdateBody = validate(updateSchemaFor(req.version), req.body);
  const requested = body.quota_set;
  for (const [k, v] of Object.entries(requested)) if (k !== 'force') checkNumberRange(k, v, -1, MAX_INT);
  const projectId = req.params.project_id;
  authorize(req.ctx, 'os_compute_api:os-quota-sets:update');
  if (requested.networks !== undefined) throw badRequest('The networks quota has been removed');
  const userId = first(q, 'user_id');
  if (userId) return userQuotaUpdate(deps, projectId, userId, requested, req.version);
  const force = boolFromString(requested.force ?? 'False');
  const used = await usage(deps, projectId);
  const minimums = await projectMinimums(deps, projectId, await effectiveLimits(deps, projectId), used);
  const valid: [string, number][] = [];
  for (const [key, raw] of Object.entries(requested)) {
    if (key === 'force' || !isQuotaResource(key)) continue;
    const value = Number(raw);
    if (!force) {
      const minimum = COUNTABLE.includes(key) ? minimums[key] : Math.max(0, minimums[key]);
      if (value !== -1 && value < minimum) {
        throw badRequest(`Quota limit ${value} for ${key} must be greater than or equal to already used and reserved ${minimum}.`);
      }
    }
    valid.push([key, value]);
  }
  for (const [key, value] of valid) await deps.db.quotas.set(projectId, key, value);
  return ok(quotaSet(null, await effectiveLimits(deps, projectId), req.version));
}

/** DELETE (admin): back to the defaults; 202. */
async function destroy(deps: ApiDeps, req: ApiRequestOf<'project_id'>): Promise<ApiResponse> {
  const q = checkQuery(req);
  authorize(req.ctx, 'os_compute_api:os-quota-sets:delete');
  const userId = first(q, 'user_id');
  if (userId) return userQuotaDelete(deps, req.params.project_id, userId);
  await deps.db.quotas.clear(req.params.project_id);
  await deps.db.userQuotas.clearProject(req.params.project_id);
  return { status: 202 };
}

/** The os-quota-sets routes. */
export function quotaSetsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-quota-sets/:project_id', handler: (req) => show(deps, req) }),
    route({ method: 'GET', path: '/os-quota-sets/:project_id/defaults', handler: (req) => defaults(deps, req) }),
    route({ method: 'GET', path: '/os-quota-sets/:project_id/detail', handler: (req) => detail(deps, req) }),
    route({ method: 'PUT', path: '/os-quota-sets/:project_id', handler: (req) => update(deps, req) }),
    route({ method: 'DELETE', path: '/os-quota-sets/:project_id', handler: (req) => destroy(deps, req) }),
  ];
}
