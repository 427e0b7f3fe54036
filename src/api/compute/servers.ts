import type { ComputeApi } from '../../compute-api/api.ts';
import type { InstanceFilters } from '../../db/api/instances.ts';
import { Invalid } from '../../exception/base.ts';
import { InstanceInvalidState, InstanceIsLocked } from '../../exception/instance.ts';
import { FlavorNotFound } from '../../exception/resources.ts';
import type { InstanceDTO, InstanceUpdate } from '../../objects/instance.ts';
import { vmStatesForStatus } from '../../objects/states.ts';
import { serviceIsUp } from '../../service/servicegroup.ts';
import { errorCode } from '../../util/error-code.ts';
import { normalizeIpv6 } from '../../util/ipv6.ts';
import { badRequest, conflict } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { oneOf, queryAll, queryBool, queryInt, queryOne, validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { refId } from './schemas/parameter-types.ts';
import * as schema from './schemas/servers.ts';
import { createServer } from './server-create.ts';
import { nextLink, parseIsoToDb } from './views/common.ts';
import { type ServerViewContext, serverBrief, serverDetail } from './views/servers.ts';

const SORT_DIRS = ['asc', 'desc'] as const;

export interface ServerApiDeps extends ApiDeps {
  readonly compute: ComputeApi;
}

/** Turn a state conflict into Nova's 409 text: "Cannot 'pause' instance X while it is in vm_state stopped". */
export async function stateConflicts<T>(action: string, serverId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InstanceInvalidState) {
      const { attr, state } = e;
      if (attr !== undefined) throw conflict(`Cannot '${action}' instance ${serverId} while it is in ${attr} ${state}`);
      throw conflict(`Instance ${serverId} is in an invalid state for '${action}'`);
    }
    if (e instanceof InstanceIsLocked) throw conflict(e.message);
    throw e;
  }
}

export async function viewContext(deps: ServerApiDeps, req: ApiRequest, instances: readonly InstanceDTO[], single = false): Promise<ServerViewContext> {
  const errored = instances.filter((i) => i.vm_state === 'error' || i.vm_state === 'deleted').map((i) => i.uuid);
  const faults = await deps.db.history.latestFaults(errored);
  const hostStatus = new Map<string, string>();
  if (atLeast(req.version, '2.16') && instances.some((i) => i.host)) {
    for (const s of await deps.db.services.list({ binary: 'nova-compute' })) {
      // compute.api.get_instance_host_status: forced down, then disabled, then whether it reports.
      hostStatus.set(s.host, s.forced_down ? 'DOWN' : s.disabled ? 'MAINTENANCE' : serviceIsUp(s, deps.conf.DEFAULT.service_down_time) ? 'UP' : 'UNKNOWN');
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
    // An unknown flavor matches no server (Nova filters by its id, which no instance has).
    const fl = await deps.db.flavors.getByFlavorId(refId(flavor)).catch((e: unknown) => {
      if (e instanceof FlavorNotFound) return null;
      throw e;
    });
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
  const dirs = queryAll(q.sort_dir).map((d) => {
    if (!oneOf(SORT_DIRS, d)) throw badRequest(`Invalid input for query parameters sort_dir. Value: ${d}. '${d}' is not one of ['asc', 'desc']`);
    return d;
  });
  const sort = keys.map((key, i) => ({ key: key === 'display_name' || key === 'name' ? 'display_name' : key, dir: dirs[i] ?? dirs[0] ?? 'desc' }));
  const maxLimit = deps.conf.api.max_limit;
  const limit = Math.min(queryInt(q.limit, 'limit') ?? maxLimit, maxLimit);
  const marker = queryOne(q.marker);
  let instances: InstanceDTO[];
  try {
    instances = await deps.compute.list(f, { sort, limit, marker });
  } catch (e) {
    if (e instanceof Invalid) throw badRequest(e.message);
    // A name pattern JavaScript accepts but the database's regex engine does not.
    if (f.name !== undefined && /^ER_REGEXP/.test(errorCode(e) ?? '')) throw badRequest(`Invalid regular expression for name: ${f.name}`);
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

async function showServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await deps.compute.get(req.ctx, req.params.id);
  return ok({ server: serverDetail(inst, await viewContext(deps, req, [inst], true)) });
}

async function updateServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const v = req.version;
  const body: schema.UpdateBody = validate(atLeast(v, '2.90') ? schema.updateV290 : atLeast(v, '2.19') ? schema.updateV219 : schema.update, req.body);
  const s = body.server;
  const inst = await deps.compute.get(req.ctx, req.params.id);
  const changes: InstanceUpdate = {};
  if (s.name !== undefined) changes.display_name = s.name;
  if (s.description !== undefined) changes.display_description = s.description;
  if (s.hostname !== undefined) changes.hostname = s.hostname;
  // helpers.translate_attributes: disk config and access addresses.
  if (s['OS-DCF:diskConfig'] !== undefined) changes.auto_disk_config = s['OS-DCF:diskConfig'] === 'AUTO';
  if (s.accessIPv4 !== undefined) changes.access_ip_v4 = s.accessIPv4;
  if (s.accessIPv6 !== undefined) changes.access_ip_v6 = normalizeIpv6(s.accessIPv6);
  // compute.api.update_instance saves the instance: no lock or state check (unlike the actions).
  const updated = await deps.db.instances.update(inst.uuid, changes);
  // Before 2.75 PUT answers the core attributes only; from 2.75 all of them, as GET.
  const vc = await viewContext(deps, req, [updated], true);
  return ok({ server: serverDetail(updated, { ...vc, basic: !atLeast(req.version, '2.75') }) });
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
