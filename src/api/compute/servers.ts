import type { ComputeApi, CreateParams } from '../../compute-api/api.ts';
import type { InstanceFilters } from '../../db/api/instances.ts';
import { Forbidden, Invalid } from '../../exception/base.ts';
import { InstanceInvalidState, InstanceIsLocked } from '../../exception/instance.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { vmStatesForStatus } from '../../objects/states.ts';
import { serviceIsUp } from '../../service/servicegroup.ts';
import { badRequest, conflict, HttpError } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { pyRepr, queryAll, queryBool, queryInt, queryOne, validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { isUuidLike } from './schemas/parameter-types.ts';
import * as schema from './schemas/servers.ts';
import { links, nextLink, parseIsoToDb } from './views/common.ts';
import { type ServerViewContext, serverBrief, serverDetail } from './views/servers.ts';

export interface ServerApiDeps extends ApiDeps {
  readonly compute: ComputeApi;
}

/** Turn a state conflict into Nova's 409 text: "Cannot 'pause' instance X while it is in vm_state stopped". */
export async function stateConflicts<T>(action: string, serverId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InstanceInvalidState) {
      const { attr, state } = e.kwargs as { attr?: string; state?: string | null };
      if (attr !== undefined) throw conflict(`Cannot '${action}' instance ${serverId} while it is in ${attr} ${state}`);
      throw conflict(`Instance ${serverId} is in an invalid state for '${action}'`);
    }
    if (e instanceof InstanceIsLocked) throw conflict(e.message);
    throw e;
  }
}

/** The last path segment of an href, or the value itself (flavorRef/imageRef may be links). */
function refId(ref: string | number): string {
  const s = String(ref);
  return s.includes('/') ? (s.split('/').filter(Boolean).at(-1) ?? s) : s;
}

function createSchemaFor(v: Microversion) {
  if (atLeast(v, '2.90')) return schema.createV290;
  if (atLeast(v, '2.74')) return schema.createV274;
  if (atLeast(v, '2.57')) return schema.createV257;
  if (atLeast(v, '2.52')) return schema.createV252;
  if (atLeast(v, '2.37')) return schema.createV237;
  if (atLeast(v, '2.19')) return schema.createV219;
  return schema.create;
}

const isBase64 = (s: string) => /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(s) && s.replace(/\s/g, '').length % 4 === 0;

export async function viewContext(deps: ServerApiDeps, req: ApiRequest, instances: readonly InstanceDTO[], single = false): Promise<ServerViewContext> {
  const errored = instances.filter((i) => i.vm_state === 'error' || i.vm_state === 'deleted').map((i) => i.uuid);
  const faults = await deps.db.history.latestFaults(errored);
  const hostStatus = new Map<string, string>();
  if (atLeast(req.version, '2.16') && instances.some((i) => i.host)) {
    for (const s of await deps.db.services.list({ binary: 'nova-compute' })) {
      hostStatus.set(s.host, s.forced_down ? 'DOWN' : !serviceIsUp(s, deps.conf.DEFAULT.service_down_time) ? 'DOWN' : s.disabled ? 'MAINTENANCE' : 'UP');
    }
  }
  const serverGroups = single && atLeast(req.version, '2.71') ? await deps.db.serverGroups.groupsOf(instances.map((i) => i.uuid)) : undefined;
  return { ctx: req.ctx, version: req.version, baseUrl: req.baseUrl, conf: deps.conf, faults, hostStatus, single, serverGroups };
}

async function listServers(deps: ServerApiDeps, req: ApiRequest, detail: boolean): Promise<ApiResponse> {
  const q = req.query;
  const { ctx } = req;
  const f: InstanceFilters = {};
  if (q.all_tenants !== undefined) {
    authorize(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants`);
    const project = queryOne(q.project_id) ?? queryOne(q.tenant_id);
    if (project) f.project_id = project;
  } else {
    f.project_id = ctx.project_id ?? '';
  }
  const admin = ctx.is_admin;
  const name = queryOne(q.name);
  if (name !== undefined) {
    try {
      new RegExp(name);
    } catch {
      throw badRequest(`Invalid regular expression for name: ${name}`);
    }
    f.name = name;
  }
  const status = queryAll(q.status);
  if (status.length) f.vm_state = status.flatMap((s) => vmStatesForStatus(s) ?? []);
  const flavor = queryOne(q.flavor);
  if (flavor !== undefined) {
    const fl = await deps.db.flavors.getByFlavorId(refId(flavor)).catch(() => null);
    f.instance_type_id = fl ? fl.id : -1;
  }
  const image = queryOne(q.image);
  if (image !== undefined) f.image_ref = refId(image);
  const reservation = queryOne(q.reservation_id);
  if (reservation !== undefined) f.reservation_id = reservation;
  if (admin) {
    const host = queryOne(q.host);
    if (host !== undefined) f.host = host;
    const node = queryOne(q.node);
    if (node !== undefined) f.node = node;
    const user = queryOne(q.user_id);
    if (user !== undefined) f.user_id = user;
    const deleted = queryBool(q.deleted, 'deleted');
    if (deleted !== undefined) f.deleted = deleted;
  }
  for (const [key, target] of [
    ['changes-since', 'changes_since'],
    ['changes-before', 'changes_before'],
  ] as const) {
    const value = queryOne(q[key]);
    if (value === undefined) continue;
    if (key === 'changes-before' && !atLeast(req.version, '2.66')) continue;
    const t = parseIsoToDb(value);
    if (!t) throw badRequest(`Invalid input for query parameters ${key}. Value: ${value}. '${value}' is not a 'date-time'`);
    f[target] = t;
  }
  if (f.changes_since && f.changes_before && f.changes_since > f.changes_before) throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  if (atLeast(req.version, '2.26')) {
    const split = (v: string | string[] | undefined) => queryAll(v).flatMap((s) => s.split(',').filter(Boolean));
    if (q.tags !== undefined) f.tags = split(q.tags);
    if (q['tags-any'] !== undefined) f.tags_any = split(q['tags-any']);
    if (q['not-tags'] !== undefined) f.not_tags = split(q['not-tags']);
    if (q['not-tags-any'] !== undefined) f.not_tags_any = split(q['not-tags-any']);
  }
  if (atLeast(req.version, '2.73')) {
    const locked = queryBool(q.locked, 'locked');
    if (locked !== undefined) f.locked = locked;
  }
  const az = queryOne(q.availability_zone);
  if (az !== undefined && (admin || atLeast(req.version, '2.83'))) f.availability_zone = az;

  const keys = queryAll(q.sort_key);
  const dirs = queryAll(q.sort_dir);
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw badRequest(`Invalid input for query parameters sort_dir. Value: ${d}. '${d}' is not one of ['asc', 'desc']`);
  const sort = keys.map((key, i) => ({ key: key === 'display_name' || key === 'name' ? 'display_name' : key, dir: (dirs[i] ?? dirs[0] ?? 'desc') as 'asc' | 'desc' }));
  const maxLimit = deps.conf.api.max_limit;
  const limit = Math.min(queryInt(q.limit, 'limit') ?? maxLimit, maxLimit);
  const marker = queryOne(q.marker);
  let instances: InstanceDTO[];
  try {
    instances = await deps.compute.list(f, { sort, limit, marker });
  } catch (e) {
    if (e instanceof Invalid) throw badRequest(e.message);
    // A name pattern JavaScript accepts but the database's regex engine does not.
    if (f.name !== undefined && /^ER_REGEXP/.test(String((e as { code?: string }).code))) throw badRequest(`Invalid regular expression for name: ${f.name}`);
    throw e;
  }
  const body: Record<string, unknown> = {};
  if (detail) {
    const vc = await viewContext(deps, req, instances);
    body.servers = instances.map((i) => serverDetail(i, vc));
  } else {
    body.servers = instances.map((i) => serverBrief(i, req.baseUrl));
  }
  const last = instances.at(-1);
  if (last && instances.length === limit) body.servers_links = nextLink(req.baseUrl, detail ? 'servers/detail' : 'servers', req.query, last.uuid);
  return ok(body);
}

async function createServer(deps: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const body = validate(createSchemaFor(req.version), req.body);
  const s = body.server as Record<string, unknown> & { name: string; flavorRef: string | number };
  const { ctx } = req;
  const hints = (body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {}) as Record<string, unknown>;
  const group = hints.group;
  if (group !== undefined && (typeof group !== 'string' || !isUuidLike(group))) {
    throw badRequest(`Invalid input for field/attribute group. Value: ${pyRepr(group)}. ${pyRepr(group)} is not ${typeof group === 'string' ? "a 'uuid'" : "of type 'string'"}`);
  }
  const toList = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? (v as string[]) : [String(v)]);
  let az = (s.availability_zone as string | undefined) ?? null;
  let forcedHost: string | null = null;
  let forcedNode: string | null = null;
  if (az?.includes(':')) {
    const [zone, host, node] = az.split(':');
    authorize(ctx, 'os_compute_api:servers:create:forced_host');
    az = zone || null;
    forcedHost = host || null;
    forcedNode = node || null;
  }
  if (s.host !== undefined || s.hypervisor_hostname !== undefined) {
    if (!ctx.is_admin) throw new HttpError(403, "Policy doesn't allow compute:servers:create:requested_destination to be performed.");
    forcedHost = (s.host as string | undefined) ?? forcedHost;
    forcedNode = (s.hypervisor_hostname as string | undefined) ?? forcedNode;
    if (forcedHost && !(await deps.db.services.findByHostAndBinary(forcedHost, 'nova-compute'))) throw badRequest(`Compute host ${forcedHost} could not be found.`);
  }
  const imageRef = s.imageRef !== undefined ? refId(s.imageRef as string) : '';
  if (!imageRef) throw badRequest('Missing imageRef attribute');
  const minCount = Number(s.min_count ?? 1);
  const maxCount = Number(s.max_count ?? minCount);
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  if (minCount < 1 || maxCount < 1) throw badRequest('min_count and max_count must be at least 1');
  const userData = (s.user_data as string | null | undefined) ?? null;
  if (userData !== null && !isBase64(userData)) throw badRequest('User data needs to be valid base 64.');
  const params: CreateParams = {
    name: s.name,
    flavorId: refId(s.flavorRef),
    imageRef,
    metadata: (s.metadata as Record<string, string> | undefined) ?? {},
    availabilityZone: az,
    forcedHost,
    forcedNode,
    keyName: (s.key_name as string | undefined) ?? null,
    minCount,
    maxCount,
    userData,
    tags: (s.tags as string[] | undefined) ?? [],
    description: (s.description as string | null | undefined) ?? null,
    hints: { ...hints, same_host: toList(hints.same_host), different_host: toList(hints.different_host), group },
    accessIpV4: (s.accessIPv4 as string | undefined) ?? null,
    accessIpV6: (s.accessIPv6 as string | undefined) ?? null,
    adminPass: (s.adminPass as string | undefined) ?? null,
    hostname: (s.hostname as string | undefined) ?? null,
    configDrive: s.config_drive === true || s.config_drive === 'true' || s.config_drive === 'True',
  };
  let result: Awaited<ReturnType<ComputeApi['create']>>;
  try {
    result = await deps.compute.create(ctx, params);
  } catch (e) {
    if (e instanceof Invalid) throw badRequest(e.message);
    if (e instanceof Forbidden) throw new HttpError(403, e.message);
    throw e;
  }
  if (s.return_reservation_id === true) return ok({ reservation_id: result.reservationId }, 202);
  const first = result.instances[0] as InstanceDTO;
  const server = {
    id: first.uuid,
    links: links(req.baseUrl, 'servers', first.uuid),
    'OS-DCF:diskConfig': 'MANUAL',
    security_groups: [{ name: 'default' }],
    adminPass: result.adminPass,
  };
  return { status: 202, body: { server }, headers: { Location: `${req.baseUrl}/v2.1/servers/${first.uuid}` } };
}

async function showServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await deps.compute.get(req.ctx, req.params.id);
  return ok({ server: serverDetail(inst, await viewContext(deps, req, [inst], true)) });
}

async function updateServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(atLeast(req.version, '2.19') ? schema.updateV219 : schema.update, req.body);
  const s = body.server as Record<string, string | null | undefined>;
  const inst = await deps.compute.get(req.ctx, req.params.id);
  const changes: Record<string, unknown> = {};
  if (s.name !== undefined) changes.display_name = s.name;
  if (s.description !== undefined) changes.display_description = s.description;
  if (s.accessIPv4 !== undefined) changes.access_ip_v4 = s.accessIPv4;
  if (s.accessIPv6 !== undefined) changes.access_ip_v6 = s.accessIPv6;
  const updated = await stateConflicts('update', inst.uuid, () => deps.compute.update(req.ctx, inst, changes));
  return ok({ server: serverDetail(updated, await viewContext(deps, req, [updated], true)) });
}

async function deleteServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await deps.compute.get(req.ctx, req.params.id);
  await stateConflicts('delete', inst.uuid, () => deps.compute.delete(req.ctx, inst));
  return noContent();
}

/** servers: list, detail, show, create, update, delete. */
export function serversRoutes(deps: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers', handler: (r) => listServers(deps, r, false) }),
    route({ method: 'GET', path: '/servers/detail', handler: (r) => listServers(deps, r, true) }),
    route({ method: 'POST', path: '/servers', handler: (r) => createServer(deps, r), policy: 'os_compute_api:servers:create' }),
    route({ method: 'GET', path: '/servers/:id', handler: (r) => showServer(deps, r) }),
    route({ method: 'PUT', path: '/servers/:id', handler: (r) => updateServer(deps, r), policy: 'os_compute_api:servers:update' }),
    route({ method: 'DELETE', path: '/servers/:id', handler: (r) => deleteServer(deps, r), policy: 'os_compute_api:servers:delete' }),
  ];
}
