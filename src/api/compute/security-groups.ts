/**
 * os-security-groups and os-security-group-rules
 * (nova/api/openstack/compute/security_groups.py), proxies to the network
 * service as the caller up to 2.35 (404 from 2.36): the project's groups
 * (every project's for an admin with all_tenants), sorted by tenant and
 * name, offset/limit as common.limited; show, create (name and
 * description), update and delete ('Security group id should be uuid' for
 * a bad id, the network service's words for the rest); a rule created in a
 * group (ingress from a CIDR or another group, checked as Nova's
 * _new_ingress_rule) and deleted. Each group is { id, name, description,
 * tenant_id, rules: [{ id, parent_group_id, ip_protocol, from_port,
 * to_port, ip_range: { cidr } | {}, group: { name, tenant_id } | {} }] }.
 * GET /servers/{id}/os-security-groups (at every microversion) lists the
 * groups of the server's ports; the actions addSecurityGroup and
 * removeSecurityGroup (never removed) change every port of the server.
 */
import type { NovaSecurityGroup, NovaSecurityGroupRule } from '../../compute-api/security-groups.ts';
import { netAndPrefixlen, newIngressRule, parseCidr, validateId } from '../../compute-api/security-groups.ts';
import type { RequestContext } from '../../context.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../exception/base.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import { MAX_PROXY } from './network-proxies.ts';
import { last, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/security-groups.ts';
import { registerServerAction } from './server-actions.ts';
import type { ServerApiDeps } from './servers.ts';

const P = 'os_compute_api:os-security-groups';
const accepted = (): ApiResponse => ({ status: 202 });
type GroupRef = { name: string; tenant_id: string };
/** Rule group data by group id; null: the group is gone (the rule is left out). */
type GroupData = Map<string, GroupRef | null>;

/** Nova's errors as its controllers map them: NotFound 404, Invalid 400, OverQuota 403, NoUniqueMatch/conflicts 409. */
function mapped(e: unknown): unknown {
  if (e instanceof NotFound) return notFound(e.message);
  if (e instanceof Invalid) return badRequest(e.message);
  if (e instanceof Forbidden) return forbidden(e.message);
  if (e instanceof Conflict) return conflict(e.message);
  return e;
}
async function nova<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw mapped(e);
  }
}

const own = (ctx: RequestContext, action: string) => authorize(ctx, `${P}:${action}`, { project_id: ctx.project_id });
const ref = (g: NovaSecurityGroup): GroupRef => ({ name: g.name, tenant_id: g.project_id });

/** The name and project of each group the rules come from (the in-scope groups first); a group gone is null. */
async function groupData(d: ServerApiDeps, ctx: RequestContext, groups: readonly NovaSecurityGroup[], data: GroupData = new Map()): Promise<GroupData> {
  for (const g of groups) if (!data.has(g.id)) data.set(g.id, ref(g));
  for (const r of groups.flatMap((g) => g.rules)) {
    if (!r.group_id || data.has(r.group_id)) continue;
    const source = await d.compute.securityGroups.get(ctx, r.group_id).catch((e: unknown) => (e instanceof NotFound ? null : Promise.reject(e)));
    data.set(r.group_id, source ? ref(source) : null);
  }
  return data;
}

/** _format_security_group_rule. */
function ruleView(r: NovaSecurityGroupRule, group: GroupRef | null | undefined): Record<string, unknown> {
  return {
    id: r.id,
    parent_group_id: r.parent_group_id,
    ip_protocol: r.protocol,
    from_port: r.from_port,
    to_port: r.to_port,
    group: r.group_id ? (group ?? {}) : {},
    ip_range: r.group_id ? {} : { cidr: r.cidr },
  };
}

/** _format_security_group: rules from a group that is gone are left out. */
function groupView(g: NovaSecurityGroup, data: GroupData): Record<string, unknown> {
  return {
    id: g.id,
    description: g.description,
    name: g.name,
    tenant_id: g.project_id,
    rules: g.rules.flatMap((r) => (r.group_id && !data.get(r.group_id) ? [] : [ruleView(r, r.group_id ? data.get(r.group_id) : null)])),
  };
}

/** Python's ordering of (tenant_id, name). */
const cmp = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);
const sorted = (views: Record<string, unknown>[]) => views.sort((a, b) => cmp(String(a.tenant_id), String(b.tenant_id)) || cmp(String(a.name), String(b.name)));

async function viewOne(d: ServerApiDeps, ctx: RequestContext, g: NovaSecurityGroup): Promise<ApiResponse> {
  return ok({ security_group: groupView(g, await groupData(d, ctx, [g])) });
}

/** validate_id, then get: 400 for a bad id, 404 for an unknown one. */
const getGroup = (d: ServerApiDeps, ctx: RequestContext, id: string) => nova(async () => d.compute.securityGroups.get(ctx, validateId(id)));

async function index(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req.ctx, 'get');
  const q = validateQuery(req.query, schema.indexQuery, false);
  const groups = await d.compute.securityGroups.list(req.ctx, Object.hasOwn(req.query, 'all_tenants'));
  const offset = Number(last(q, 'offset') ?? 0);
  const max = d.conf.api.max_limit;
  const limit = Math.min(max, Number(last(q, 'limit') ?? 0) || max);
  const page = groups.slice(offset, offset + limit);
  const data = new Map<string, GroupRef | null>();
  const views: Record<string, unknown>[] = [];
  for (const g of page) views.push(groupView(g, await groupData(d, req.ctx, [g], data)));
  return ok({ security_groups: sorted(views) });
}

async function show(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req.ctx, 'show');
  return viewOne(d, req.ctx, await getGroup(d, req.ctx, req.params.id));
}

async function create(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req.ctx, 'create');
  const body = validate(schema.create, req.body).security_group;
  const g = await nova(() => d.compute.securityGroups.create(req.ctx, body.name, body.description));
  return viewOne(d, req.ctx, g);
}

async function update(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req.ctx, 'update');
  const group = await getGroup(d, req.ctx, req.params.id);
  const body = validate(schema.update, req.body).security_group;
  const g = await nova(() => d.compute.securityGroups.update(req.ctx, group, body.name, body.description));
  return viewOne(d, req.ctx, g);
}

async function remove(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req.ctx, 'delete');
  const group = await getGroup(d, req.ctx, req.params.id);
  await nova(() => d.compute.securityGroups.destroy(req.ctx, group));
  return accepted();
}

async function createRule(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req.ctx, 'rule:create');
  const r = validate(schema.createRule, req.body).security_group_rule;
  const sg = d.compute.securityGroups;
  const groupId = r.group_id ?? null;
  const [parent, source, rule] = await nova(async () => {
    const parent = await sg.get(req.ctx, r.parent_group_id);
    const source = groupId !== null ? await sg.get(req.ctx, groupId) : null;
    const rule =
      groupId !== null ? newIngressRule(r.ip_protocol, r.from_port, r.to_port, groupId, null) : newIngressRule(r.ip_protocol, r.from_port, r.to_port, null, parseCidr(r.cidr));
    return [parent, source, rule] as const;
  });
  if (rule === null) throw badRequest('Not enough parameters to build a valid rule.');
  rule.parent_group_id = parent.id;
  if (rule.cidr !== undefined) {
    const [net, prefixlen] = netAndPrefixlen(rule.cidr);
    if (net !== '0.0.0.0' && net !== '::' && prefixlen === '0') throw badRequest(`Bad prefix for network in cidr ${rule.cidr}`);
  }
  const created = await nova(() => sg.createRule(req.ctx, parent, rule));
  return ok({ security_group_rule: ruleView(created, source ? ref(source) : null) });
}

async function removeRule(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req.ctx, 'rule:delete');
  const sg = d.compute.securityGroups;
  await nova(async () => {
    const rule = await sg.getRule(req.ctx, validateId(req.params.id));
    await sg.get(req.ctx, rule.parent_group_id);
    await sg.removeRule(req.ctx, rule.id);
  });
  return accepted();
}

/** GET /servers/{id}/os-security-groups. */
async function serverGroups(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, `${P}:list`, { project_id: inst.project_id });
  const groups = await nova(() => d.compute.securityGroups.instanceGroups(req.ctx, inst.uuid));
  const data = await groupData(d, req.ctx, groups);
  return ok({ security_groups: sorted(groups.map((g) => groupView(g, data))) });
}

/** _parse: the group's name, not blank. */
function groupName(name: string): string {
  if (name.trim() === '') throw badRequest('Security group name cannot be empty');
  return name;
}

async function addSecurityGroup(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.addSecurityGroup, req.body).addSecurityGroup;
  authorize(req.ctx, `${P}:add`, { project_id: inst.project_id });
  const name = groupName(body.name);
  await nova(() => d.compute.securityGroups.addToInstance(req.ctx, inst, name));
  return accepted();
}

async function removeSecurityGroup(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.removeSecurityGroup, req.body).removeSecurityGroup;
  authorize(req.ctx, `${P}:remove`, { project_id: inst.project_id });
  const name = groupName(body.name);
  await nova(() => d.compute.securityGroups.removeFromInstance(req.ctx, inst, name));
  return accepted();
}

registerServerAction('addSecurityGroup', addSecurityGroup);
registerServerAction('removeSecurityGroup', removeSecurityGroup);

/** os-security-groups and os-security-group-rules up to 2.35, the server's groups at every version; the actions register themselves. */
export function securityGroupRoutes(d: ServerApiDeps): Route[] {
  const m = MAX_PROXY;
  return [
    route({ method: 'GET', path: '/os-security-groups', maxVersion: m, policy: `${P}:get`, handler: (req) => index(d, req) }),
    route({ method: 'POST', path: '/os-security-groups', maxVersion: m, policy: `${P}:create`, handler: (req) => create(d, req) }),
    route({ method: 'GET', path: '/os-security-groups/:id', maxVersion: m, policy: `${P}:show`, handler: (req) => show(d, req) }),
    route({ method: 'PUT', path: '/os-security-groups/:id', maxVersion: m, policy: `${P}:update`, handler: (req) => update(d, req) }),
    route({ method: 'DELETE', path: '/os-security-groups/:id', maxVersion: m, policy: `${P}:delete`, handler: (req) => remove(d, req) }),
    route({ method: 'POST', path: '/os-security-group-rules', maxVersion: m, policy: `${P}:rule:create`, handler: (req) => createRule(d, req) }),
    route({ method: 'DELETE', path: '/os-security-group-rules/:id', maxVersion: m, policy: `${P}:rule:delete`, handler: (req) => removeRule(d, req) }),
    route({ method: 'GET', path: '/servers/:id/os-security-groups', policy: `${P}:list`, handler: (req) => serverGroups(d, req) }),
  ];
}
