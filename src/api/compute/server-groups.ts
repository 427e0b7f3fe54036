/**
 * os-server-groups (nova/api/openstack/compute/server_groups.py):
 * GET /os-server-groups (the caller's project; every project with
 * `all_projects`, admins only; offset/limit), POST /os-server-groups,
 * GET and DELETE /os-server-groups/{id}. Groups are counted against the
 * server_groups quota; their members join at boot (scheduler hint `group`).
 */
import { effectiveLimits, overQuota, usage } from '../../compute-api/quota.ts';
import type { RequestContext } from '../../context.ts';
import type { ServerGroupDTO } from '../../objects/server-group.ts';
import { badRequest, forbidden } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { checkName, checkNumberRange } from './schemas/parameter-types.ts';
import { last, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/server-groups.ts';
import { serverGroupView } from './views/server-groups.ts';

const POLICY_ROOT = 'os_compute_api:os-server-groups';
const TOO_MANY_GROUPS = 'Quota exceeded, too many server groups.';

/** show/delete: the group's own project or an admin (Nova's target {'project_id': group.project_id}). */
function authorizeGroup(ctx: RequestContext, action: 'show' | 'delete', group: ServerGroupDTO): void {
  if (!ctx.is_admin && group.project_id !== ctx.project_id) throw forbidden(`Policy doesn't allow ${POLICY_ROOT}:${action} to be performed.`);
}

/** Would the project hold more server groups than its quota with `delta` more? */
async function overGroups(deps: ApiDeps, projectId: string, delta: number): Promise<boolean> {
  const [limits, used] = await Promise.all([effectiveLimits(deps, projectId), usage(deps, projectId)]);
  if (delta > 0) return overQuota(limits, used, { server_groups: delta }).length > 0;
  return limits.server_groups >= 0 && used.server_groups > limits.server_groups;
}

function createSchemaFor(v: Microversion) {
  if (atLeast(v, '2.64')) return schema.createV264;
  if (atLeast(v, '2.15')) return schema.createV215;
  return schema.create;
}

/** The policy and rules of a validated create body (its schema allows `policies` only before 2.64). */
function policyAndRules(body: schema.CreateGroup): { policy: string; rules: Record<string, number> } {
  if ('policies' in body) return { policy: body.policies[0], rules: {} };
  const policy = body.policy;
  const given = body.rules ?? {};
  const rules: Record<string, number> = {};
  if (given.max_server_per_host !== undefined) {
    checkNumberRange('max_server_per_host', given.max_server_per_host, 1, null);
    rules.max_server_per_host = Number(given.max_server_per_host);
  }
  if (policy !== 'anti-affinity' && Object.keys(rules).length > 0) throw badRequest('Only anti-affinity policy supports rules.');
  return { policy, rules };
}

/** POST /os-server-groups: 200 with the new group. */
async function create(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const v = req.version;
  const body = validate(createSchemaFor(v), req.body);
  const vals: schema.CreateGroup = body.server_group;
  checkName(vals.name);
  const projectId = req.ctx.project_id ?? '';
  if (await overGroups(deps, projectId, 1)) throw forbidden(TOO_MANY_GROUPS);
  const { policy, rules } = policyAndRules(vals);
  const group = await deps.db.serverGroups.create({ name: vals.name, project_id: projectId, user_id: req.ctx.user_id ?? '', policy, rules });
  // The quota is checked again now that the group exists: of concurrent creates, none passes the limit.
  if (await overGroups(deps, projectId, 0)) {
    await deps.db.serverGroups.destroy(group.uuid).catch((err: unknown) => deps.log.error({ group_uuid: group.uuid, err }, 'could not remove a server group the quota refused'));
    throw forbidden(TOO_MANY_GROUPS);
  }
  return ok({ server_group: serverGroupView(group, v) });
}

/** GET /os-server-groups: the project's groups (all with all_projects, admins only), offset/limit as common.limited. */
async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = validateQuery(req.query, schema.indexQuery, atLeast(req.version, '2.75'));
  const all = q.all_projects !== undefined;
  if (all) authorize(req.ctx, `${POLICY_ROOT}:index:all_projects`);
  const groups = await deps.db.serverGroups.list(all ? {} : { projectId: req.ctx.project_id ?? '' });
  const maxLimit = deps.conf.api.max_limit;
  const offset = Number(last(q, 'offset') ?? 0);
  const limit = Math.min(maxLimit, Number(last(q, 'limit') ?? 0) || maxLimit);
  const page = offset >= groups.length ? [] : groups.slice(offset, offset + limit);
  return ok({ server_groups: page.map((g) => serverGroupView(g, req.version)) });
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const group = await deps.db.serverGroups.get(req.params.id);
  authorizeGroup(req.ctx, 'show', group);
  return ok({ server_group: serverGroupView(group, req.version) });
}

/** DELETE /os-server-groups/{id}: 204; the member servers stay. */
async function destroy(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const group = await deps.db.serverGroups.get(req.params.id);
  authorizeGroup(req.ctx, 'delete', group);
  await deps.db.serverGroups.destroy(group.uuid);
  return noContent();
}

/** The os-server-groups routes. */
export function serverGroupsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-server-groups', handler: (req) => index(deps, req) }),
    route({ method: 'POST', path: '/os-server-groups', handler: (req) => create(deps, req), policy: `${POLICY_ROOT}:create` }),
    route({ method: 'GET', path: '/os-server-groups/:id', handler: (req) => show(deps, req) }),
    route({ method: 'DELETE', path: '/os-server-groups/:id', handler: (req) => destroy(deps, req), policy: `${POLICY_ROOT}:delete` }),
  ];
}
