/**
 * /v2.0/availability_zones (the zones networks and routers may be placed
 * in; `[neutron_server] availability_zones` until agents report theirs) and
 * /v2.0/network-ip-availabilities (admin: per network and subnet, how many
 * addresses the allocation pools hold and how many are allocated).
 */
import type { RequestContext } from '../context.ts';
import type { Doc } from './db/store.ts';
import { notFound } from './errors.ts';
import { json, type NetworkDeps, type NetworkRoute, route } from './http.ts';
import { listBody } from './query.ts';
import { denied, type ResourceDef } from './resource.ts';
import { poolsOf } from './subnets.ts';

const AZ: ResourceDef = {
  resource: 'availability_zone',
  collection: 'availability_zones',
  attrs: { name: { sort: true }, resource: { sort: true }, state: { sort: true } },
};

const IP_AVAILABILITY: ResourceDef = {
  resource: 'network_ip_availability',
  collection: 'network_ip_availabilities',
  attrs: {
    network_id: {},
    network_name: {},
    tenant_id: {},
    project_id: {},
    ip_version: {},
    total_ips: {},
    used_ips: {},
    subnet_ip_availability: {},
  },
};

async function availabilities(deps: NetworkDeps): Promise<Doc[]> {
  const nets = await deps.store.list('networks');
  const subnets = await deps.store.list('subnets');
  const used = new Map<string, number>();
  for (const a of await deps.store.allocated(subnets.map((s) => s.id))) used.set(a.subnet_id, (used.get(a.subnet_id) ?? 0) + 1);
  return nets.map((n) => {
    const mine = subnets
      .filter((s) => s.network_id === n.id)
      .map((s) => ({
        subnet_id: s.id,
        subnet_name: s.name,
        cidr: s.cidr,
        ip_version: s.ip_version,
        total_ips: Number(poolsOf(s).reduce((acc, p) => acc + (p.last - p.first + 1n), 0n)),
        used_ips: used.get(s.id) ?? 0,
      }));
    return {
      id: n.id,
      network_id: n.id,
      network_name: n.name,
      project_id: n.project_id,
      tenant_id: n.project_id,
      ip_version: [...new Set(mine.map((s) => s.ip_version))],
      total_ips: mine.reduce((a, s) => a + s.total_ips, 0),
      used_ips: mine.reduce((a, s) => a + s.used_ips, 0),
      subnet_ip_availability: mine,
    };
  });
}

const adminOnly = (ctx: RequestContext, rule: string) => {
  if (!ctx.is_admin) throw denied(rule);
};

export function availabilityRoutes(deps: NetworkDeps): NetworkRoute[] {
  return [
    route({
      method: 'GET',
      path: '/v2.0/availability_zones',
      handler: async (req) => {
        const zones = deps.conf.availability_zones.flatMap((name) => ['network', 'router'].map((resource) => ({ id: `${name}/${resource}`, name, resource, state: 'available' })));
        return json(listBody(AZ, req, req.ctx, zones, '/v2.0/availability_zones'));
      },
    }),
    route({
      method: 'GET',
      path: '/v2.0/network-ip-availabilities',
      handler: async (req) => {
        adminOnly(req.ctx, 'get_network_ip_availability');
        return json(listBody(IP_AVAILABILITY, req, req.ctx, await availabilities(deps), '/v2.0/network-ip-availabilities'));
      },
    }),
    route({
      method: 'GET',
      path: '/v2.0/network-ip-availabilities/:id',
      handler: async (req) => {
        adminOnly(req.ctx, 'get_network_ip_availability');
        const found = (await availabilities(deps)).find((a) => a.id === req.params.id);
        if (!found) throw notFound('NetworkNotFound', `Network ${req.params.id} could not be found.`);
        const { id: _, ...shown } = found;
        return json({ network_ip_availability: shown });
      },
    }),
  ];
}
