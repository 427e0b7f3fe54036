/**
 * os-quota-class-sets (nova/api/openstack/compute/quota_classes.py): GET
 * and PUT /os-quota-class-sets/{class}, admin only. A class's quotas are its
 * own limits over the `[quota]` defaults; the `default` class's limits are
 * the defaults every project gets (DbQuotaDriver.get_defaults). Before 2.50
 * the body has no server group quotas; from 2.50 none of nova-network's;
 * from 2.57 no injected files either. PUT answers without the id.
 */

import { QUOTA_RESOURCES, type QuotaResource, type QuotaValues } from '../../compute-api/quota.ts';
import { classQuotas } from '../../compute-api/quota-classes.ts';
import { badRequest } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { checkNumberRange, MAX_INT } from './schemas/parameter-types.ts';
import * as schema from './schemas/quota-class-sets.ts';

const NETWORK: readonly QuotaResource[] = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const INJECTED: readonly QuotaResource[] = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];
const SERVER_GROUPS: readonly QuotaResource[] = ['server_groups', 'server_group_members'];

/** The resources a quota class body shows at this microversion, sorted as Nova's QUOTAS.resources. */
function shown(v: Microversion): QuotaResource[] {
  const hidden = atLeast(v, '2.57') ? [...NETWORK, ...INJECTED] : atLeast(v, '2.50') ? NETWORK : SERVER_GROUPS;
  return [...QUOTA_RESOURCES].sort().filter((r) => !hidden.includes(r));
}

function view(id: string | null, values: QuotaValues, v: Microversion): { quota_class_set: Record<string, unknown> } {
  const body: Record<string, unknown> = id === null ? {} : { id };
  for (const r of shown(v)) body[r] = values[r];
  return { quota_class_set: body };
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-quota-class-sets:show');
  return ok(view(req.params.id, await classQuotas(deps, req.params.id), req.version));
}

function updateSchemaFor(v: Microversion) {
  if (atLeast(v, '2.57')) return schema.updateV257;
  if (atLeast(v, '2.50')) return schema.updateV250;
  return schema.update;
}

async function update(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body: schema.UpdateBody = validate(updateSchemaFor(req.version), req.body);
  for (const [k, v] of Object.entries(body.quota_class_set)) checkNumberRange(k, v, -1, MAX_INT);
  authorize(req.ctx, 'os_compute_api:os-quota-class-sets:update');
  const name = req.params.id;
  if ([...name].length < 1 || [...name].length > 255)
    throw badRequest(`Invalid input received: quota_class_name has a length of ${[...name].length}, which is not within 1 and 255.`);
  for (const [key, value] of Object.entries(body.quota_class_set)) await deps.db.quotaClasses.set(name, key, Number(value));
  return ok(view(null, await classQuotas(deps, name), req.version));
}

/** The os-quota-class-sets routes. */
export function quotaClassSetsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-quota-class-sets/:id', policy: 'os_compute_api:os-quota-class-sets:show', handler: (req) => show(deps, req) }),
    route({ method: 'PUT', path: '/os-quota-class-sets/:id', policy: 'os_compute_api:os-quota-class-sets:update', handler: (req) => update(deps, req) }),
  ];
}
