/**
 * GET /limits (nova/api/openstack/compute/limits.py): the caller's project
 * quota limits and usage as absolute limits; rate limits are always empty.
 * ?tenant_id= asks about another project (admin).
 */

import { effectiveLimits, usage } from '../../compute-api/quota.ts';
import { forbidden } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ApiDeps } from './deps.ts';
import { limitsQuery } from './schemas/limits.ts';
import { last, validateQuery } from './schemas/query.ts';
import { limitsView } from './views/limits.ts';

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = validateQuery(req.query, limitsQuery, atLeast(req.version, '2.75'));
  authorize(req.ctx, 'os_compute_api:limits');
  let projectId = req.ctx.project_id ?? '';
  const tenant = last(q, 'tenant_id');
  if (tenant !== undefined) {
    projectId = tenant;
    // os_compute_api:limits:other_project defaults to admin.
    if (!req.ctx.is_admin) throw forbidden("Policy doesn't allow os_compute_api:limits:other_project to be performed.");
  }
  const [limits, used] = await Promise.all([effectiveLimits(deps, projectId), usage(deps, projectId)]);
  return ok(limitsView(limits, used, req.version));
}

/** The /limits route. */
export function limitsRoutes(deps: ApiDeps): Route[] {
  return [route({ method: 'GET', path: '/limits', handler: (req) => index(deps, req) })];
}
