/**
 * os-aggregates (nova/api/openstack/compute/aggregates.py): GET/POST
 * /os-aggregates, GET/PUT/DELETE /os-aggregates/{id} and the add_host,
 * remove_host and set_metadata actions of POST /os-aggregates/{id}/action.
 * Admin-only (Nova's default policy). Ids are integers in every
 * microversion; from 2.41 each aggregate also shows its uuid.
 */
import { AggregateApi } from '../../compute-api/aggregates.ts';
import type { RequestContext } from '../../context.ts';
import { AggregateHostNotFound, AggregateNotFound, InvalidAggregateAction } from '../../exception/aggregate.ts';
import { ComputeHostNotFound } from '../../exception/resources.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { authorize as authorizePolicy } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { actionHandler, actionName, validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/aggregates.ts';
import { isIntegerString } from './schemas/parameter-types.ts';
import { aggregateView } from './views/aggregates.ts';

type Handler<N extends string = never> = (api: AggregateApi, req: ApiRequestOf<N>) => Promise<ApiResponse>;

/** os_compute_api:os-aggregates:<action>: admin only by default, as Nova's policy. */
function authorize(ctx: RequestContext, action: string): void {
  authorizePolicy(ctx, `os_compute_api:os-aggregates:${action}`);
}

/** utils.validate_integer(id, 'id'): 400 unless an integer; an integer beyond any id is simply not found. */
function aggregateId(req: ApiRequestOf<'id'>): number {
  const raw = req.params.id;
  if (!isIntegerString(raw)) throw badRequest('Invalid input received: id must be an integer');
  const id = Number(raw.trim());
  if (!Number.isSafeInteger(id)) throw AggregateNotFound.of(raw.trim());
  return id;
}

const show = (api: AggregateApi, req: ApiRequest, id: number) => api.get(id).then((a) => ok({ aggregate: aggregateView(a, req.version) }));

const index: Handler = async (api, req) => {
  authorize(req.ctx, 'index');
  return ok({ aggregates: (await api.list()).map((a) => aggregateView(a, req.version)) });
};

const create: Handler = async (api, req) => {
  const body = validate(schema.create, req.body).aggregate;
  schema.checkName(body.name);
  if (body.availability_zone) schema.checkAzName(body.availability_zone);
  authorize(req.ctx, 'create');
  const agg = await api.create(body.name.trim(), body.availability_zone ? body.availability_zone.trim() : null);
  return ok({ aggregate: aggregateView(agg, req.version, true) });
};

const get: Handler<'id'> = async (api, req) => {
  authorize(req.ctx, 'show');
  return show(api, req, aggregateId(req));
};

const update: Handler<'id'> = async (api, req) => {
  const body = validate(schema.update, req.body).aggregate;
  if (body.name !== undefined) schema.checkNameWithSpaces(body.name);
  if (body.availability_zone) schema.checkAzName(body.availability_zone);
  authorize(req.ctx, 'update');
  const id = aggregateId(req);
  const values = { ...body, ...(body.name !== undefined ? { name: body.name.trim() } : {}) };
  return ok({ aggregate: aggregateView(await api.update(id, values), req.version) });
};

/** DELETE answers 200 without a body, as Nova (kept for backwards compatibility). */
const destroy: Handler<'id'> = async (api, req) => {
  authorize(req.ctx, 'delete');
  await api.delete(aggregateId(req));
  return { status: 200 };
};

const addHost: Handler<'id'> = async (api, req) => {
  const host = validate(schema.addHost, req.body).add_host.host;
  authorize(req.ctx, 'add_host');
  const id = aggregateId(req);
  try {
    return ok({ aggregate: aggregateView(await api.addHost(id, host), req.version) });
  } catch (e) {
    if (e instanceof InvalidAggregateAction) throw conflict(e.message);
    throw e;
  }
};

const removeHost: Handler<'id'> = async (api, req) => {
  const host = validate(schema.removeHost, req.body).remove_host.host;
  authorize(req.ctx, 'remove_host');
  const id = aggregateId(req);
  try {
    return ok({ aggregate: aggregateView(await api.removeHost(id, host), req.version) });
  } catch (e) {
    const message = `Cannot remove host ${host} in aggregate ${req.params.id}`;
    if (e instanceof AggregateNotFound || e instanceof AggregateHostNotFound || e instanceof ComputeHostNotFound) throw notFound(message);
    if (e instanceof InvalidAggregateAction) throw conflict(message);
    throw e;
  }
};

const setMetadata: Handler<'id'> = async (api, req) => {
  const metadata = validate(schema.setMetadata, req.body).set_metadata.metadata;
  authorize(req.ctx, 'set_metadata');
  return ok({ aggregate: aggregateView(await api.updateMetadata(aggregateId(req), metadata), req.version) });
};

const ACTIONS: Record<string, Handler<'id'>> = { add_host: addHost, remove_host: removeHost, set_metadata: setMetadata };

/** POST /os-aggregates/{id}/action: exactly one key, the action name (Nova's action_peek). */
const action: Handler<'id'> = (api, req) => {
  return actionHandler(ACTIONS, actionName(req.body))(api, req);
};

/** The os-aggregates routes. */
export function aggregatesRoutes(deps: ApiDeps): Route[] {
  const api = new AggregateApi(deps.db);
  const h =
    <N extends string>(fn: Handler<N>) =>
    (req: ApiRequestOf<N>) =>
      fn(api, req);
  return [
    route({ method: 'GET', path: '/os-aggregates', handler: h(index) }),
    route({ method: 'POST', path: '/os-aggregates', handler: h(create), policy: 'os_compute_api:os-aggregates:create' }),
    route({ method: 'GET', path: '/os-aggregates/:id', handler: h(get) }),
    route({ method: 'PUT', path: '/os-aggregates/:id', handler: h(update), policy: 'os_compute_api:os-aggregates:update' }),
    route({ method: 'DELETE', path: '/os-aggregates/:id', handler: h(destroy), policy: 'os_compute_api:os-aggregates:delete' }),
    route({ method: 'POST', path: '/os-aggregates/:id/action', handler: h(action) }),
  ];
}
