import type { InstanceActionDTO, InstanceActionEventDTO, InstanceDTO } from '../../objects/instance.ts';
import { badRequest, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { allowed } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { queryInt, queryOne } from '../validation.ts';
import type { ServerApiDeps } from './servers.ts';
import { isoMicro, nextLink, parseIsoToDb } from './views/common.ts';
import { hostId } from './views/servers.ts';

function actionView(a: InstanceActionDTO, r: ApiRequest): Record<string, unknown> {
  const v: Record<string, unknown> = {
    action: a.action,
    instance_uuid: a.instance_uuid,
    message: a.message,
    project_id: a.project_id,
    request_id: a.request_id,
    start_time: isoMicro(a.start_time),
    user_id: a.user_id,
  };
  if (atLeast(r.version, '2.58')) v.updated_at = isoMicro(a.updated_at);
  return v;
}

function eventView(e: InstanceActionEventDTO, r: ApiRequest, inst: InstanceDTO): Record<string, unknown> {
  const v: Record<string, unknown> = { event: e.event, start_time: isoMicro(e.start_time), finish_time: isoMicro(e.finish_time), result: e.result };
  if (allowed(r.ctx, 'os_compute_api:os-instance-actions:events')) v.traceback = e.traceback;
  if (atLeast(r.version, '2.62')) {
    if (r.ctx.is_admin) v.host = e.host;
    v.hostId = hostId(inst.project_id, e.host);
  }
  if (atLeast(r.version, '2.84')) v.details = e.details;
  return v;
}

/** Instance actions may be read for deleted instances from 2.21. */
async function instanceFor(d: ServerApiDeps, r: ApiRequestOf<'id'>): Promise<InstanceDTO> {
  const id = r.params.id;
  if (atLeast(r.version, '2.21')) {
    const inst = await d.db.instances.get(id, { readDeleted: true });
    if (!r.ctx.is_admin && inst.project_id !== r.ctx.project_id) return d.compute.get(r.ctx, id);
    return inst;
  }
  return d.compute.get(r.ctx, id);
}

async function list(d: ServerApiDeps, r: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await instanceFor(d, r);
  const paged = atLeast(r.version, '2.58');
  const limit = paged ? queryInt(r.query.limit, 'limit') : undefined;
  let changesSince: string | undefined;
  const cs = paged ? queryOne(r.query['changes-since']) : undefined;
  if (cs !== undefined) {
    const t = parseIsoToDb(cs);
    if (!t) throw badRequest(`Invalid input for query parameters changes-since. Value: ${cs}. '${cs}' is not a 'date-time'`);
    changesSince = t;
  }
  let actions = await d.db.history.listActions(inst.uuid, { changesSince });
  const marker = paged ? queryOne(r.query.marker) : undefined;
  if (marker !== undefined) {
    const at = actions.findIndex((a) => a.request_id === marker);
    if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
    actions = actions.slice(at + 1);
  }
  if (limit !== undefined) actions = actions.slice(0, limit);
  const body: Record<string, unknown> = { instanceActions: actions.map((a) => actionView(a, r)) };
  const last = actions.at(-1);
  if (last && limit !== undefined && actions.length === limit) body.links = nextLink(r.baseUrl, `servers/${inst.uuid}/os-instance-actions`, r.query, last.request_id);
  return ok(body);
}

async function show(d: ServerApiDeps, r: ApiRequestOf<'id' | 'request_id'>): Promise<ApiResponse> {
  const inst = await instanceFor(d, r);
  const action = await d.db.history.findAction(inst.uuid, r.params.request_id);
  if (!action) throw notFound(`Action ${r.params.request_id} not found`);
  const view = actionView(action, r);
  if (atLeast(r.version, '2.51') || allowed(r.ctx, 'os_compute_api:os-instance-actions:events')) {
    view.events = (await d.db.history.listEvents(action.id)).map((e) => eventView(e, r, inst));
  }
  return ok({ instanceAction: view });
}

/** /servers/{id}/os-instance-actions. */
export function instanceActionRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/os-instance-actions', handler: (r) => list(d, r) }),
    route({ method: 'GET', path: '/servers/:id/os-instance-actions/:request_id', handler: (r) => show(d, r) }),
  ];
}
