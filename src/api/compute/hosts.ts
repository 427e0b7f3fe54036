/**
 * os-hosts (nova/api/openstack/compute/hosts.py), 2.1 – 2.42 (404 after, as
 * Nova): GET /os-hosts[?zone=], GET/PUT /os-hosts/{host}, GET
 * /os-hosts/{host}/{startup,shutdown,reboot}. Admin only. The list is every
 * enabled service but the API's (host_name, topic as service, zone); show
 * is the compute node's totals and use and the instances' per project;
 * update and the power actions ask the host's nova-compute (a driver that
 * cannot: 501; an unknown host: 404; its nova-compute down: 400).
 */
import type { HostApi } from '../../compute-api/host-api.ts';
import { HostMappingNotFound, HostNotFound } from '../../compute-api/host-api.ts';
import { NotImplementedYet } from '../../exception/base.ts';
import { ComputeHostNotFound, ComputeServiceUnavailable } from '../../exception/resources.ts';
import { zonesByHost } from '../../objects/aggregate.ts';
import type { HostPowerAction } from '../../virt/driver-host.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/hosts.ts';
import { last, validateQuery } from './schemas/query.ts';
import { nodeUsage } from './views/hypervisors.ts';
import { serviceZone } from './views/services.ts';

const MAX_VERSION = '2.42';
const POLICY = (action: string) => `os_compute_api:os-hosts:${action}`;
/** The API services os-hosts leaves out. */
const API_SERVICES = new Set(['nova-osapi_compute', 'nova-metadata']);

function hostsOf(deps: ApiDeps): HostApi {
  if (!deps.hosts) throw new HttpError(501, 'The requested functionality is not supported.');
  return deps.hosts;
}

/** The answers of a host call as the controller maps them: 501, 404, 400. */
async function hostCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof NotImplementedYet) throw new HttpError(501, 'The requested functionality is not supported.');
    if (e instanceof HostNotFound || e instanceof HostMappingNotFound) throw notFound(e.message);
    if (e instanceof ComputeServiceUnavailable) throw badRequest(e.message);
    throw e;
  }
}

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = validateQuery(req.query, schema.indexQuery, false);
  authorize(req.ctx, POLICY('list'));
  const zone = last(q, 'zone');
  const services = (await deps.db.services.list({ disabled: false })).filter((s) => !API_SERVICES.has(s.binary));
  const zones = zonesByHost(await deps.db.aggregates.list());
  const hosts = services.map((s) => ({ host_name: s.host, service: s.topic, zone: serviceZone(deps.conf, s, zones) })).filter((h) => !zone || h.zone === zone);
  return ok({ hosts });
}

interface Resource {
  host: string;
  project: string;
  cpu: number;
  memory_mb: number;
  disk_gb: number;
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, POLICY('show'));
  const host = req.params.id;
  await hostCall(() => hostsOf(deps).requireMapped(host));
  const node = await deps.db.computeNodes.getByHost(host).catch((e: unknown) => {
    if (e instanceof ComputeHostNotFound) throw notFound(e.message);
    throw e;
  });
  const instances = await deps.db.instances.listByHost(host);
  const used = nodeUsage(node);
  const resources: Resource[] = [
    { host, project: '(total)', cpu: node.vcpus, memory_mb: node.memory_mb, disk_gb: node.local_gb },
    { host, project: '(used_now)', cpu: used.vcpus_used, memory_mb: used.memory_mb_used, disk_gb: used.local_gb_used },
  ];
  const max: Resource = { host, project: '(used_max)', cpu: 0, memory_mb: 0, disk_gb: 0 };
  const byProject = new Map<string, Resource>();
  for (const i of instances) {
    max.cpu += i.vcpus;
    max.memory_mb += i.memory_mb;
    max.disk_gb += i.root_gb + i.ephemeral_gb;
    const r = byProject.get(i.project_id) ?? { host, project: i.project_id, cpu: 0, memory_mb: 0, disk_gb: 0 };
    r.cpu += i.vcpus;
    r.memory_mb += i.memory_mb;
    r.disk_gb += i.root_gb + i.ephemeral_gb;
    byProject.set(i.project_id, r);
  }
  resources.push(max, ...byProject.values());
  return ok({ host: resources.map((resource) => ({ resource })) });
}

async function update(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.update, req.body);
  authorize(req.ctx, POLICY('update'));
  const host = req.params.id;
  const enable = (v: string) => v.trim().toLowerCase() === 'enable';
  const result: Record<string, string> = { host };
  if (body.status !== undefined) {
    const r = await hostCall(() => hostsOf(deps).setHostEnabled(req.ctx, host, enable(body.status ?? '')));
    if (r !== 'enabled' && r !== 'disabled') throw badRequest(r);
    result.status = r;
  }
  if (body.maintenance_mode !== undefined) {
    const r = await hostCall(() => hostsOf(deps).setHostMaintenance(req.ctx, host, enable(body.maintenance_mode ?? '')));
    if (r !== 'on_maintenance' && r !== 'off_maintenance') throw badRequest(r);
    result.maintenance_mode = r;
  }
  return ok(result);
}

async function powerAction(deps: ApiDeps, req: ApiRequestOf<'id'>, action: HostPowerAction, policy: string): Promise<ApiResponse> {
  authorize(req.ctx, POLICY(policy));
  const host = req.params.id;
  const result = await hostCall(() => hostsOf(deps).hostPowerAction(req.ctx, host, action));
  return ok({ host, power_action: result });
}

/** The os-hosts routes (2.1 – 2.42). */
export function hostsRoutes(deps: ApiDeps): Route[] {
  const v = { maxVersion: MAX_VERSION } as const;
  return [
    route({ ...v, method: 'GET', path: '/os-hosts', policy: POLICY('list'), handler: (req) => index(deps, req) }),
    route({ ...v, method: 'GET', path: '/os-hosts/:id', policy: POLICY('show'), handler: (req) => show(deps, req) }),
    route({ ...v, method: 'PUT', path: '/os-hosts/:id', policy: POLICY('update'), handler: (req) => update(deps, req) }),
    route({ ...v, method: 'GET', path: '/os-hosts/:id/startup', policy: POLICY('start'), handler: (req) => powerAction(deps, req, 'startup', 'start') }),
    route({ ...v, method: 'GET', path: '/os-hosts/:id/shutdown', policy: POLICY('shutdown'), handler: (req) => powerAction(deps, req, 'shutdown', 'shutdown') }),
    route({ ...v, method: 'GET', path: '/os-hosts/:id/reboot', policy: POLICY('reboot'), handler: (req) => powerAction(deps, req, 'reboot', 'reboot') }),
  ];
}
