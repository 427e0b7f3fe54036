/**
 * os-availability-zone (nova/api/openstack/compute/availability_zone.py):
 * GET /os-availability-zone (anyone: the zones, without the internal one)
 * and GET /os-availability-zone/detail (admin: with hosts and services).
 * A compute service is in the zone of its host's aggregate (the aggregate's
 * `availability_zone` metadata), else in [DEFAULT] default_availability_zone;
 * every other service is in the internal zone. Zones are listed from the
 * services, so a zone without hosts is not listed, as in Nova.
 */
import { zonesByHost } from '../../objects/aggregate.ts';
import type { ServiceDTO } from '../../objects/service.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ApiDeps } from './deps.ts';
import { type ZoneHostService, type ZoneInfo, zoneHostService, zoneSummary } from './views/availability-zone.ts';
import { serviceIsAlive, serviceZone } from './views/services.ts';

/** API services do not heartbeat; Nova leaves them out of the detailed listing. */
const API_SERVICES = new Set(['nova-osapi_compute', 'nova-metadata']);

/** get_availability_zones: zones with an enabled service are available; zones with only disabled ones are not. */
function zonesOf(deps: ApiDeps, services: readonly ServiceDTO[], zones: ReadonlyMap<string, string>): { available: string[]; unavailable: string[] } {
  const available = new Set(services.filter((s) => !s.disabled).map((s) => serviceZone(deps.conf, s, zones)));
  const unavailable = new Set(services.filter((s) => s.disabled).map((s) => serviceZone(deps.conf, s, zones)));
  for (const z of available) unavailable.delete(z);
  return { available: [...available].sort(), unavailable: [...unavailable].sort() };
}

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-availability-zone:list');
  const [services, aggregates] = await Promise.all([deps.db.services.list(), deps.db.aggregates.list()]);
  const { available, unavailable } = zonesOf(deps, services, zonesByHost(aggregates));
  const internal = deps.conf.DEFAULT.internal_service_availability_zone;
  const info: ZoneInfo[] = [
    ...available.filter((z) => z !== internal).map((z) => zoneSummary(z, true)),
    ...unavailable.filter((z) => z !== internal).map((z) => zoneSummary(z, false)),
  ];
  return ok({ availabilityZoneInfo: info });
}

async function detail(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-availability-zone:detail');
  const [services, aggregates] = await Promise.all([deps.db.services.list(), deps.db.aggregates.list()]);
  const zones = zonesByHost(aggregates);
  const { available, unavailable } = zonesOf(deps, services, zones);
  const now = new Date();
  const hostsByZone = new Map<string, Record<string, Record<string, ZoneHostService>>>();
  for (const s of services) {
    if (s.disabled || API_SERVICES.has(s.binary)) continue;
    const zone = serviceZone(deps.conf, s, zones);
    const hosts = hostsByZone.get(zone) ?? {};
    const host = hosts[s.host] ?? {};
    host[s.binary] = zoneHostService(serviceIsAlive(deps.conf, s, now), s.disabled, s.updated_at);
    hosts[s.host] = host;
    hostsByZone.set(zone, hosts);
  }
  const info: ZoneInfo[] = [
    ...available.map((z) => ({ zoneName: z, zoneState: { available: true }, hosts: hostsByZone.get(z) ?? {} })),
    ...unavailable.map((z) => zoneSummary(z, false)),
  ];
  return ok({ availabilityZoneInfo: info });
}

/** The os-availability-zone routes. */
export function availabilityZoneRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-availability-zone', handler: (req) => index(deps, req) }),
    route({ method: 'GET', path: '/os-availability-zone/detail', handler: (req) => detail(deps, req) }),
  ];
}
