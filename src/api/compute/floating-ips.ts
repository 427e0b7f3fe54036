/**
 * os-floating-ips (nova/api/openstack/compute/floating_ips.py), a proxy to
 * the network service as the caller up to 2.35 (404 from 2.36): GET the
 * project's floating IPs and one by id ('Floating IP not found for ID X'),
 * POST allocates one from `pool` or [neutron] default_floating_pool (404
 * no more / no such pool, 403 over quota, 400 a bad request), DELETE
 * releases it, disassociated first (202). The server actions addFloatingIp
 * (onto the first IPv4 fixed IP, or `fixed_address`) and removeFloatingIp,
 * up to 2.43 (404 from 2.44), with Nova's messages. Each floating IP is
 * { fixed_ip, id, instance_id (the device of its port), ip, pool (its
 * network's name, or id) }.
 */
import { isIPv4 } from 'node:net';
import type { FloatingIpDetails } from '../../compute-api/floating-ips.ts';
import type { RequestContext } from '../../context.ts';
import { Forbidden, NotFound } from '../../exception/base.ts';
import {
  FloatingIpAssociateFailed,
  FloatingIpBadRequest,
  FloatingIpLimitExceeded,
  FloatingIpMultipleFoundForAddress,
  FloatingIpNotFoundForAddress,
  FloatingIpPoolNotFound,
  NoMoreFloatingIps,
} from '../../exception/network.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import { MAX_PROXY } from './network-proxies.ts';
import * as schema from './schemas/floating-ips.ts';
import { registerServerAction, registerServerlessAction } from './server-actions.ts';
import type { ServerApiDeps } from './servers.ts';

const P = 'os_compute_api:os-floating-ips';
/** webob's HTTPForbidden() without an explanation. */
const ACCESS_DENIED = 'Access was denied to this resource.';
const accepted = (): ApiResponse => ({ status: 202 });

/** _translate_floating_ip_view. */
function view(fip: FloatingIpDetails): Record<string, unknown> {
  return {
    fixed_ip: fip.fixed_ip_address,
    id: fip.id,
    instance_id: fip.port_details ? fip.port_details.device_id : null,
    ip: fip.floating_ip_address,
    pool: fip.network_details.name || fip.network_details.id,
  };
}

const own = (ctx: RequestContext, action: string) => authorize(ctx, `${P}:${action}`, { project_id: ctx.project_id });

async function getById(d: ServerApiDeps, ctx: RequestContext, id: string): Promise<FloatingIpDetails> {
  try {
    return await d.compute.floatingIps.get(ctx, id);
  } catch (e) {
    if (e instanceof NotFound) throw notFound(`Floating IP not found for ID ${id}`);
    throw e;
  }
}

/** get_instance_by_floating_ip_addr: the server the address points at, or null. */
async function instanceByAddress(d: ServerApiDeps, ctx: RequestContext, address: string): Promise<InstanceDTO | null> {
  let id: string | null;
  try {
    id = await d.compute.floatingIps.instanceIdByAddress(ctx, address);
  } catch (e) {
    if (e instanceof FloatingIpNotFoundForAddress) throw notFound(e.message);
    if (e instanceof FloatingIpMultipleFoundForAddress) throw conflict(e.message);
    throw e;
  }
  return id ? d.compute.get(ctx, id) : null;
}

async function index(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req.ctx, 'list');
  const fips = await d.compute.floatingIps.listByProject(req.ctx);
  return ok({ floating_ips: fips.map(view) });
}

async function show(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req.ctx, 'show');
  return ok({ floating_ip: view(await getById(d, req.ctx, req.params.id)) });
}

async function create(d: ServerApiDeps, req: ApiRequest): Promise<ApiResponse> {
  own(req.ctx, 'create');
  const body = validate(schema.create, req.body ?? null);
  const pool = body?.pool ?? null;
  try {
    const address = await d.compute.floatingIps.allocate(req.ctx, pool);
    return ok({ floating_ip: view(await d.compute.floatingIps.getByAddress(req.ctx, address)) });
  } catch (e) {
    if (e instanceof NoMoreFloatingIps) throw notFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
    if (e instanceof FloatingIpLimitExceeded) throw forbidden(pool ? `IP allocation over quota in pool ${pool}.` : 'IP allocation over quota.');
    if (e instanceof FloatingIpPoolNotFound) throw notFound(e.message);
    if (e instanceof FloatingIpBadRequest) throw badRequest(e.message);
    throw e;
  }
}

async function remove(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  own(req.ctx, 'delete');
  const fip = await getById(d, req.ctx, req.params.id);
  const inst = await instanceByAddress(d, req.ctx, fip.floating_ip_address);
  try {
    await d.compute.floatingIps.release(req.ctx, inst, fip);
  } catch (e) {
    if (e instanceof FloatingIpNotFoundForAddress) throw notFound(e.message);
    if (e instanceof Forbidden) throw forbidden(ACCESS_DENIED);
    throw e;
  }
  return accepted();
}

/** The fixed addresses of the instance's network info cache (NetworkInfo.fixed_ips). */
const fixedIps = (inst: InstanceDTO): string[] =>
  inst.network_info.flatMap((v) => v.network.subnets.flatMap((s) => s.ips.filter((ip) => ip.type === 'fixed').map((ip) => ip.address)));

/** The removed actions answer 404 from 2.44, as Nova's versioned ones. */
function upTo243(req: ApiRequest): void {
  if (atLeast(req.version, '2.44')) throw notFound('The resource could not be found.');
}

async function addFloatingIp(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  upTo243(req);
  const body = validate(schema.addFloatingIp, req.body).addFloatingIp;
  authorize(req.ctx, `${P}:add`, { project_id: inst.project_id });
  const address = body.address;
  if (inst.network_info.length === 0) throw badRequest('Instance network is not ready yet');
  const fixed = fixedIps(inst);
  if (fixed.length === 0) throw badRequest('No fixed IPs associated to instance');
  let fixedAddress = body.fixed_address ?? null;
  if (fixedAddress !== null && !fixed.includes(fixedAddress)) throw badRequest('Specified fixed address not assigned to instance');
  if (!fixedAddress) {
    fixedAddress = fixed.find((ip) => isIPv4(ip)) ?? null;
    if (!fixedAddress)
      throw badRequest(`Unable to associate floating IP ${address} to any fixed IPs for instance ${inst.uuid}. Instance has no fixed IPv4 addresses to associate.`);
  }
  try {
    await d.compute.floatingIps.associate(req.ctx, inst, address, fixedAddress);
  } catch (e) {
    if (e instanceof FloatingIpAssociateFailed) throw badRequest(e.message);
    if (e instanceof FloatingIpNotFoundForAddress) throw notFound('floating IP not found');
    if (e instanceof Forbidden) throw forbidden(e.message);
    throw badRequest(`Unable to associate floating IP ${address} to fixed IP ${fixedAddress} for instance ${inst.uuid}. Error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return accepted();
}

/** removeFloatingIp: the server of the address, not the one in the URL, is looked up (Nova's order). */
async function removeFloatingIp(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  upTo243(req);
  const address = validate(schema.removeFloatingIp, req.body).removeFloatingIp.address;
  const inst = await instanceByAddress(d, req.ctx, address);
  authorize(req.ctx, `${P}:remove`, inst ? { project_id: inst.project_id } : {});
  let fip: FloatingIpDetails;
  try {
    fip = await d.compute.floatingIps.getByAddress(req.ctx, address);
  } catch (e) {
    if (e instanceof FloatingIpNotFoundForAddress) throw notFound('floating IP not found');
    throw e;
  }
  if (!inst || !fip.port_id || inst.uuid !== req.params.id) throw conflict(`Floating IP ${address} is not associated with instance ${req.params.id}.`);
  try {
    await d.compute.floatingIps.disassociate(req.ctx, inst, address);
  } catch (e) {
    if (e instanceof Forbidden) throw forbidden(ACCESS_DENIED);
    throw e;
  }
  return accepted();
}

registerServerAction('addFloatingIp', addFloatingIp);
registerServerlessAction('removeFloatingIp', (req, d) => removeFloatingIp(d, req));

/** GET/POST /os-floating-ips, GET/DELETE /os-floating-ips/{id}, up to 2.35; the actions register themselves. */
export function floatingIpRoutes(d: ServerApiDeps): Route[] {
  const m = MAX_PROXY;
  return [
    route({ method: 'GET', path: '/os-floating-ips', maxVersion: m, policy: `${P}:list`, handler: (req) => index(d, req) }),
    route({ method: 'POST', path: '/os-floating-ips', maxVersion: m, policy: `${P}:create`, handler: (req) => create(d, req) }),
    route({ method: 'GET', path: '/os-floating-ips/:id', maxVersion: m, policy: `${P}:show`, handler: (req) => show(d, req) }),
    route({ method: 'DELETE', path: '/os-floating-ips/:id', maxVersion: m, policy: `${P}:delete`, handler: (req) => remove(d, req) }),
  ];
}
