/**
 * os-interface (nova/api/openstack/compute/attach_interfaces.py):
 * GET /servers/{id}/os-interface lists the server's ports (device_id) from
 * the network service as the caller, GET …/{port_id} shows one (404 "Instance
 * X does not have a port with id Y" when the port is another device's),
 * each as an interfaceAttachment (fixed_ips, mac_addr, net_id, port_id,
 * port_state; tag from 2.70, from the network info cache). POST attaches a
 * port_id or a port on net_id (a fixed IP with it; tag from 2.49) or on the
 * project's only network, through the host, and answers 200 with the
 * attachment; DELETE …/{port_id} detaches (202). 409 unless the server is
 * active, paused or stopped with no task; Nova's errors: PortNotFound and
 * NetworkNotFound 404, PortInUse 409, PortLimitExceeded 403, a port or
 * network that cannot be used 400, 'Failed to attach network adapter
 * device to X' 500.
 */

import type { NeutronPort } from '../../clients/neutron.ts';
import { Invalid } from '../../exception/base.ts';
import { InterfaceAttachFailed, NetworkAmbiguous, NoMoreFixedIps } from '../../exception/network.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/attach-interfaces.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

const P = 'os_compute_api:os-attach-interfaces';

async function serverFor(d: ServerApiDeps, req: ApiRequestOf<'id'>, action: 'list' | 'show' | 'create' | 'delete'): Promise<InstanceDTO> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, `${P}:${action}`, { project_id: inst.project_id });
  return inst;
}

/** _translate_interface_attachment_view; `tag` (2.70) from the cache's VIF of the port. */
function view(port: NeutronPort, inst: InstanceDTO, withTag: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    net_id: port.network_id,
    port_id: port.id,
    mac_addr: port.mac_address,
    port_state: port.status,
    fixed_ips: port.fixed_ips ?? null,
  };
  if (withTag) info.tag = inst.network_info.find((v) => v.id === port.id)?.tag ?? null;
  return info;
}

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'list');
  const ports = await d.compute.interfaces.network.list(req.ctx, 'ports', { device_id: inst.uuid });
  return ok({ interfaceAttachments: ports.map((p) => view(p, inst, atLeast(req.version, '2.70'))) });
}

async function showPort(d: ServerApiDeps, req: ApiRequestOf<'id'>, inst: InstanceDTO, portId: string): Promise<ApiResponse> {
  const port = await d.compute.interfaces.network.show(req.ctx, 'ports', portId);
  if (port.device_id !== req.params.id) throw notFound(`Instance ${req.params.id} does not have a port with id ${portId}`);
  return ok({ interfaceAttachment: view(port, inst, atLeast(req.version, '2.70')) });
}

async function show(d: ServerApiDeps, req: ApiRequestOf<'id' | 'port_id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'show');
  return showPort(d, req, inst, req.params.port_id);
}

async function create(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'create');
  const body: schema.CreateBody = validate(atLeast(req.version, '2.49') ? schema.createV249 : schema.create, req.body ?? {});
  const a: NonNullable<schema.CreateBody['interfaceAttachment']> = body.interfaceAttachment ?? {};
  const networkId = a.net_id ?? null;
  const portId = a.port_id ?? null;
  const requestedIp = a.fixed_ips?.[0]?.ip_address ?? null;
  if (networkId && portId) throw badRequest('Must not input both network_id and port_id');
  if (requestedIp && !networkId) throw badRequest('Must input network_id when request IP address');
  let vifId: string;
  try {
    const vif = await stateConflicts('attach_interface', inst.uuid, () => d.compute.interfaces.attach(req.ctx, inst, { networkId, portId, requestedIp, tag: a.tag ?? null }));
    vifId = vif.id;
  } catch (e) {
    // Nova answers these 400 (NoMoreFixedIps, NetworkAmbiguous and every Invalid: PortNotUsable, AttachInterfaceNotSupported, …) and 500.
    if (e instanceof NoMoreFixedIps || e instanceof NetworkAmbiguous || e instanceof Invalid) throw badRequest(e.message);
    if (e instanceof InterfaceAttachFailed) throw new HttpError(500, e.message);
    throw e;
  }
  // The inst as it is now, for the tag.
  return showPort(d, req, await d.compute.get(req.ctx, inst.uuid), vifId);
}

async function remove(d: ServerApiDeps, req: ApiRequestOf<'id' | 'port_id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'delete');
  await stateConflicts('detach_interface', inst.uuid, () => d.compute.interfaces.detach(req.ctx, inst, req.params.port_id));
  return { status: 202 };
}

/** GET/POST /servers/{id}/os-interface, GET/DELETE /servers/{id}/os-interface/{port_id}. */
export function attachInterfacesRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/os-interface', policy: `${P}:list`, handler: (req) => index(d, req) }),
    route({ method: 'POST', path: '/servers/:id/os-interface', policy: `${P}:create`, handler: (req) => create(d, req) }),
    route({ method: 'GET', path: '/servers/:id/os-interface/:port_id', policy: `${P}:show`, handler: (req) => show(d, req) }),
    route({ method: 'DELETE', path: '/servers/:id/os-interface/:port_id', policy: `${P}:delete`, handler: (req) => remove(d, req) }),
  ];
}
