/**
 * os-services (nova/api/openstack/compute/services.py): GET /os-services;
 * before 2.53 PUT /os-services/{enable,disable,disable-log-reason,force-down}
 * with {host, binary}; from 2.53 PUT /os-services/{service_uuid};
 * DELETE /os-services/{id}. Admin-only.
 */
import { ServiceNotFound } from '../../exception/resources.ts';
import { zonesByHost } from '../../objects/aggregate.ts';
import type { ServiceDTO } from '../../objects/service.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { boolFromString, isIntegerString, isUuidLike } from './schemas/parameter-types.ts';
import { last, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/services.ts';
import { serviceDetail } from './views/services.ts';

/** API services are not RPC services and never heartbeat: Nova hides them (bug 1543625). */
const API_SERVICES = new Set(['nova-osapi_compute', 'nova-metadata']);

const UUID_FOR_ID = '2.53';

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = validateQuery(req.query, schema.indexQuery, atLeast(req.version, '2.75'));
  authorize(req.ctx, 'os_compute_api:os-services:list');
  const host = last(q, 'host');
  const binary = last(q, 'binary');
  const now = new Date();
  const services = (await deps.db.services.list()).filter((s) => !API_SERVICES.has(s.binary) && (!host || s.host === host) && (!binary || s.binary === binary));
  const zones = zonesByHost(await deps.db.aggregates.list());
  return ok({ services: services.map((s) => serviceDetail(deps.conf, s, req.version, now, zones)) });
}

/** Only nova-compute services may be updated. */
function checkUpdatable(binary: string): void {
  if (binary !== 'nova-compute') throw badRequest(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
}

/** The pre-2.53 _update: find (host, binary) and apply the changes. */
async function updateByHost(deps: ApiDeps, host: string, binary: string, changes: Partial<Pick<ServiceDTO, 'disabled' | 'disabled_reason' | 'forced_down'>>): Promise<void> {
  checkUpdatable(binary);
  const svc = await deps.db.services.findByHostAndBinary(host, binary);
  // Nova looks the host's cell up first: an unknown compute host is not mapped to any cell.
  if (!svc) throw notFound(`Host '${host}' is not mapped to any cell`);
  await deps.db.services.update(svc.id, changes);
}

type LegacyBody = schema.LegacyUpdateBody;

type LegacyAction = (deps: ApiDeps, body: LegacyBody) => Promise<Record<string, unknown>>;

async function enableDisable(deps: ApiDeps, body: LegacyBody, disabled: boolean, reason: string | null): Promise<Record<string, unknown>> {
  const service: Record<string, unknown> = { host: body.host, binary: body.binary, status: disabled ? 'disabled' : 'enabled' };
  if (reason) service.disabled_reason = reason;
  await updateByHost(deps, body.host, body.binary, { disabled, disabled_reason: reason });
  return { service };
}

const LEGACY_ACTIONS: Record<string, LegacyAction> = {
  enable: (deps, body) => enableDisable(deps, body, false, null),
  disable: (deps, body) => enableDisable(deps, body, true, null),
  'disable-log-reason': (deps, body) => {
    if (body.disabled_reason === undefined) throw badRequest('Missing disabled reason field');
    return enableDisable(deps, body, true, body.disabled_reason);
  },
};

async function forceDown(deps: ApiDeps, body: LegacyBody): Promise<Record<string, unknown>> {
  if (body.forced_down === undefined) throw badRequest('Missing forced_down field');
  const forced = boolFromString(body.forced_down);
  await updateByHost(deps, body.host, body.binary, { forced_down: forced });
  return { service: { host: body.host, binary: body.binary, forced_down: forced } };
}

/** PUT /os-services/{action} before 2.53. */
async function legacyUpdate(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const v211 = atLeast(req.version, '2.11');
  const body: LegacyBody = validate(v211 ? schema.serviceUpdateV211 : schema.serviceUpdate, req.body);
  authorize(req.ctx, 'os_compute_api:os-services:update');
  const name = req.params.id;
  const action = Object.hasOwn(LEGACY_ACTIONS, name) ? LEGACY_ACTIONS[name] : v211 && name === 'force-down' ? forceDown : undefined;
  if (!action) throw notFound('Unknown action');
  return ok(await action(deps, body));
}

/** PUT /os-services/{service_uuid} from 2.53: status (+ disabled_reason) and/or forced_down. */
async function update(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.serviceUpdateV253, req.body);
  const id = req.params.id;
  if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`);
  authorize(req.ctx, 'os_compute_api:os-services:update');
  const svc = await deps.db.services.getByUuid(id);
  checkUpdatable(svc.binary);
  const changes: Partial<Pick<ServiceDTO, 'disabled' | 'disabled_reason' | 'forced_down'>> = {};
  if (body.status === 'enabled') {
    if (body.disabled_reason) throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    changes.disabled = false;
    changes.disabled_reason = null;
  } else if (body.status === 'disabled') {
    changes.disabled = true;
    changes.disabled_reason = body.disabled_reason ?? null;
  }
  if (body.forced_down !== undefined) changes.forced_down = boolFromString(body.forced_down, true);
  if (Object.keys(changes).length === 0) throw badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
  const updated = await deps.db.services.update(svc.id, changes);
  return ok({ service: serviceDetail(deps.conf, updated, req.version, new Date(), zonesByHost(await deps.db.aggregates.listByHost(updated.host))) });
}

/** DELETE /os-services/{id}: 204; a compute service hosting instances is a 409; its compute nodes go with it. */
async function destroy(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-services:delete');
  const id = req.params.id;
  let svc: ServiceDTO;
  try {
    if (atLeast(req.version, UUID_FOR_ID)) {
      if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`);
      svc = await deps.db.services.getByUuid(id);
    } else {
      if (!isIntegerString(id)) throw badRequest('Invalid input received: id must be an integer');
      svc = await deps.db.services.get(Number(id));
    }
  } catch (e) {
    if (e instanceof ServiceNotFound) throw notFound(`Service ${id} not found.`);
    throw e;
  }
  if (svc.binary === 'nova-compute') {
    const instances = await deps.db.instances.listByHost(svc.host);
    if (instances.length > 0) throw conflict('Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
    for (const node of await deps.db.computeNodes.listByHost(svc.host)) await deps.db.computeNodes.destroy(node.id);
    // As Nova: the host leaves every aggregate it was in (else they could never be emptied and deleted).
    for (const agg of await deps.db.aggregates.listByHost(svc.host)) await deps.db.aggregates.removeHost(agg.id, svc.host);
  }
  await deps.db.services.destroy(svc.id);
  return noContent();
}

/** The os-services routes. */
export function servicesRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-services', handler: (req) => index(deps, req) }),
    route({ method: 'PUT', path: '/os-services/:id', maxVersion: '2.52', handler: (req) => legacyUpdate(deps, req) }),
    route({ method: 'PUT', path: '/os-services/:id', minVersion: UUID_FOR_ID, handler: (req) => update(deps, req) }),
    route({ method: 'DELETE', path: '/os-services/:id', handler: (req) => destroy(deps, req) }),
  ];
}
