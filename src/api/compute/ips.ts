/**
 * Server IPs (nova/api/openstack/compute/ips.py): GET /servers/{id}/ips
 * answers {"addresses": {label: [{version, addr}]}} from the instance's
 * networks, GET /servers/{id}/ips/{label} {label: [...]} for one of them
 * (404 "Instance is not a member of specified network" otherwise). Another
 * project's server is not found (404). Without a network service there are
 * no networks, so the first is {} and the second always 404.
 */
import type { InstanceDTO } from '../../objects/instance.ts';
import { notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ServerApiDeps } from './servers.ts';
import { networksOf } from './views/addresses.ts';

async function serverFor(d: ServerApiDeps, req: ApiRequestOf<'id'>, action: 'index' | 'show'): Promise<InstanceDTO> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, `os_compute_api:ips:${action}`, { project_id: inst.project_id });
  return inst;
}

/** views/addresses.py's basic view of one network: fixed then floating addresses, version and addr only. */
function networkView(net: ReturnType<typeof networksOf> extends ReadonlyMap<string, infer N> ? N : never): { version: number; addr: string }[] {
  return [...net.ips, ...net.floating_ips].map((ip) => ({ version: ip.version, addr: ip.address }));
}

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'index');
  const addresses: Record<string, { version: number; addr: string }[]> = {};
  for (const [label, net] of networksOf(inst)) addresses[label] = networkView(net);
  return ok({ addresses });
}

async function show(d: ServerApiDeps, req: ApiRequestOf<'id' | 'network'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'show');
  const net = networksOf(inst).get(req.params.network);
  if (!net) throw notFound('Instance is not a member of specified network');
  return ok({ [req.params.network]: networkView(net) });
}

/** GET /servers/{id}/ips and /servers/{id}/ips/{network}. */
export function ipsRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/ips', policy: 'os_compute_api:ips:index', handler: (req) => index(d, req) }),
    route({ method: 'GET', path: '/servers/:id/ips/:network', policy: 'os_compute_api:ips:show', handler: (req) => show(d, req) }),
  ];
}
