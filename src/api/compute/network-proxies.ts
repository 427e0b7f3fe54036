/**
 * The network proxies Nova keeps for old microversions (404 from 2.36,
 * MAX_PROXY_API_SUPPORT_VERSION 2.35), read from the network service as
 * the caller: os-networks GET list/show (networks.py: id and label, every
 * other nova-network field null, the admin ones too for an admin),
 * os-tenant-networks GET list/show (tenant_networks.py: id, label and the
 * string 'None' as cidr, as Nova answers on Neutron), 404 "Network not
 * found"; os-floating-ip-pools GET (floating_ip_pools.py: the external
 * networks, by name or id). Their writes answer 410 (removed.ts).
 */
import type { NeutronNetwork } from '../../clients/neutron.ts';
import type { RequestContext } from '../../context.ts';
import { NetworkNotFound } from '../../exception/network.ts';
import { notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ServerApiDeps } from './servers.ts';

/** Nova's MAX_PROXY_API_SUPPORT_VERSION: the proxies answer 404 after it. */
export const MAX_PROXY = '2.35';

const FIELDS = ['id', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'label', 'netmask_v6'];
const ADMIN_FIELDS = [
  'created_at',
  'updated_at',
  'deleted_at',
  'deleted',
  'injected',
  'bridge',
  'vlan',
  'vpn_public_address',
  'vpn_public_port',
  'vpn_private_address',
  'dhcp_start',
  'project_id',
  'host',
  'bridge_interface',
  'multi_host',
  'priority',
  'rxtx_base',
  'mtu',
  'dhcp_server',
  'enable_dhcp',
  'share_address',
];

/** networks.py's network_dict. */
function networkView(ctx: RequestContext, n: NeutronNetwork): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of ctx.is_admin ? [...FIELDS, ...ADMIN_FIELDS] : FIELDS) out[f] = f === 'id' ? n.id : f === 'label' ? n.name : null;
  return out;
}

/** tenant_networks.py's network_dict. */
const tenantNetworkView = (n: NeutronNetwork) => ({ id: n.id, cidr: 'None', label: n.name });

async function getNetwork(d: ServerApiDeps, ctx: RequestContext, id: string): Promise<NeutronNetwork> {
  try {
    return await d.compute.interfaces.network.show(ctx, 'networks', id);
  } catch (e) {
    if (e instanceof NetworkNotFound) throw notFound('Network not found');
    throw e;
  }
}

function own(ctx: RequestContext, policy: string): void {
  authorize(ctx, policy, { project_id: ctx.project_id });
}

async function networks(d: ServerApiDeps, req: ApiRequestOf<never>, tenant: boolean): Promise<ApiResponse> {
  own(req.ctx, tenant ? 'os_compute_api:os-tenant-networks:list' : 'os_compute_api:os-networks:list');
  const nets = await d.compute.interfaces.network.list(req.ctx, 'networks');
  return ok({ networks: nets.map((n) => (tenant ? tenantNetworkView(n) : networkView(req.ctx, n))) });
}

async function network(d: ServerApiDeps, req: ApiRequestOf<'id'>, tenant: boolean): Promise<ApiResponse> {
  own(req.ctx, tenant ? 'os_compute_api:os-tenant-networks:show' : 'os_compute_api:os-networks:show');
  const n = await getNetwork(d, req.ctx, req.params.id);
  return ok({ network: tenant ? tenantNetworkView(n) : networkView(req.ctx, n) });
}

async function pools(d: ServerApiDeps, req: ApiRequestOf<never>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-floating-ip-pools', {});
  const nets = await d.compute.interfaces.network.list(req.ctx, 'networks', { 'router:external': true });
  return ok({ floating_ip_pools: nets.map((n) => ({ name: n.name || n.id })) });
}

/** GET os-networks, os-tenant-networks (list, show) and os-floating-ip-pools, up to 2.35. */
export function networkProxyRoutes(d: ServerApiDeps): Route[] {
  const m = MAX_PROXY;
  return [
    route({ method: 'GET', path: '/os-networks', maxVersion: m, policy: 'os_compute_api:os-networks:list', handler: (req) => networks(d, req, false) }),
    route({ method: 'GET', path: '/os-networks/:id', maxVersion: m, policy: 'os_compute_api:os-networks:show', handler: (req) => network(d, req, false) }),
    route({ method: 'GET', path: '/os-tenant-networks', maxVersion: m, policy: 'os_compute_api:os-tenant-networks:list', handler: (req) => networks(d, req, true) }),
    route({ method: 'GET', path: '/os-tenant-networks/:id', maxVersion: m, policy: 'os_compute_api:os-tenant-networks:show', handler: (req) => network(d, req, true) }),
    route({ method: 'GET', path: '/os-floating-ip-pools', maxVersion: m, policy: 'os_compute_api:os-floating-ip-pools', handler: (req) => pools(d, req) }),
  ];
}
