/**
 * Flavor access (nova/api/openstack/compute/flavor_access.py):
 * GET /flavors/{flavor_id}/os-flavor-access and the addTenantAccess /
 * removeTenantAccess actions of POST /flavors/{id}/action. Admin-only.
 */
import { conflict, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { actionHandler, actionName, validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { getFlavor } from './flavors.ts';
import * as schema from './schemas/flavor-access.ts';
import { flavorAccessList } from './views/flavors.ts';

async function index(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-flavor-access');
  const f = await getFlavor(deps, req.ctx, req.params.id);
  if (f.is_public) throw notFound('Access list not available for public flavors.');
  return ok(flavorAccessList(f.flavorid, await deps.db.flavors.accessList(f.flavorid)));
}

async function addTenantAccess(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.addTenantAccess, req.body);
  authorize(req.ctx, 'os_compute_api:os-flavor-access:add_tenant_access');
  const tenant = body.addTenantAccess.tenant;
  const f = await getFlavor(deps, req.ctx, req.params.id);
  if (atLeast(req.version, '2.7') && f.is_public) throw conflict('Can not add access to a public flavor.');
  if (!(await deps.db.flavors.addAccess(f.flavorid, tenant))) {
    throw conflict(`Flavor access already exists for flavor ${f.flavorid} and project ${tenant} combination.`);
  }
  return ok(flavorAccessList(f.flavorid, await deps.db.flavors.accessList(f.flavorid)));
}

async function removeTenantAccess(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.removeTenantAccess, req.body);
  authorize(req.ctx, 'os_compute_api:os-flavor-access:remove_tenant_access');
  const tenant = body.removeTenantAccess.tenant;
  const f = await getFlavor(deps, req.ctx, req.params.id);
  if (!(await deps.db.flavors.removeAccess(f.flavorid, tenant))) {
    throw notFound(`Flavor access not found for ${f.flavorid} / ${tenant} combination.`);
  }
  return ok(flavorAccessList(f.flavorid, await deps.db.flavors.accessList(f.flavorid)));
}

const ACTIONS: Record<string, (deps: ApiDeps, req: ApiRequestOf<'id'>) => Promise<ApiResponse>> = { addTenantAccess, removeTenantAccess };

/** POST /flavors/{id}/action: exactly one key, the action name (Nova's action_peek). */
async function action(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  return actionHandler(ACTIONS, actionName(req.body))(deps, req);
}

/** The flavor access routes. */
export function flavorAccessRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/flavors/:id/os-flavor-access', handler: (req) => index(deps, req) }),
    route({ method: 'POST', path: '/flavors/:id/action', handler: (req) => action(deps, req) }),
  ];
}
