/**
 * /v2.0/floatingips: addresses of an external network (each held by a port
 * the floating IP owns) associated with a port's fixed IP when a router of
 * the project connects the port's subnet to that external network.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { canonicalAddress, ipAddressOrNone, string, uuid, uuidOrNone } from './attributes.ts';
import type { ResourceOps } from './crud.ts';
import type { Doc } from './db/store.ts';
import { badResourceRequest, conflict, NeutronError, notFound } from './errors.ts';
import type { NetworkDeps } from './http.ts';
import { type FixedIp, writePort } from './ipam.ts';
import { owns } from './policy.ts';
import { portNotFound } from './ports.ts';
import { denied, NOT_SET, type ResourceDef, standardAttrs } from './resource.ts';
import { serviceDoc } from './routers.ts';

export const FLOATING_IP: ResourceDef = {
  resource: 'floatingip',
  collection: 'floatingips',
  attrs: {
    ...standardAttrs({ name: false }),
    floating_ip_address: { post: true, default: NOT_SET, convert: canonicalAddress, validate: ipAddressOrNone, setBy: 'admin', sort: true },
    subnet_id: { post: true, default: NOT_SET, validate: uuidOrNone, visible: false },
    floating_network_id: { post: true, validate: uuid, sort: true },
    router_id: { sort: true },
    port_id: { post: true, put: true, default: null, validate: uuidOrNone, sort: true },
    fixed_ip_address: { post: true, put: true, default: null, convert: canonicalAddress, validate: ipAddressOrNone, sort: true },
    status: { sort: true },
    port_details: {},
    dns_domain: {},
    dns_name: {},
    qos_policy_id: {},
    port_forwardings: {},
    description: { post: true, put: true, default: '', validate: string(255) },
  },
};

export const floatingIpNotFound = (id: string) => notFound('FloatingIPNotFound', `Floating IP ${id} could not be found`);

/**
 * Where a floating IP of `externalId` may point on `portId`: the fixed IP
 * (the one asked for, or the port's first IPv4 one) and the router that
 * has a gateway on the external network and an interface on its subnet.
 */
async function association(
  deps: NetworkDeps,
  ctx: RequestContext,
  externalId: string,
  portId: string,
  fixed: unknown,
  fipId: string,
): Promise<{ port: Doc; fixed: string; router: string }> {
  const port = await deps.store.get('ports', portId);
  if (!port || !owns(ctx, port)) throw portNotFound(portId);
  const ips = (port.fixed_ips as FixedIp[]).filter((f) => !f.ip_address.includes(':'));
  const ip = typeof fixed === 'string' ? ips.find((f) => f.ip_address === fixed) : ips[0];
  if (typeof fixed === 'string' && !ip) throw badResourceRequest('floatingip', `Port ${portId} does not have fixed ip ${fixed}`);
  if (!ip) throw badResourceRequest('floatingip', `Port ${portId} does not have any IPv4 address. A floating IP needs one`);
  for (const other of await deps.store.list('floating_ips', { ref_id: portId }))
    if (other.id !== fipId && other.fixed_ip_address === ip.ip_address)
      throw conflict(
        'FloatingIPPortAlreadyAssociated',
        `Cannot associate floating IP ${String(other.floating_ip_address)} (${other.id}) with port ${portId} using fixed IP ${ip.ip_address}, as that fixed IP already has a floating IP on external network ${externalId}.`,
      );
  const interfaces = (await deps.store.list('ports', { parent_id: String(port.network_id) })).filter(
    (x) => x.device_owner === 'network:router_interface' && (x.fixed_ips as FixedIp[]).some((f) => f.subnet_id === ip.subnet_id),
  );
  for (const itf of interfaces) {
    const router = await deps.store.get('routers', String(itf.device_id));
    const gw = router?._gateway as { network_id?: string } | null | undefined;
    if (router && gw?.network_id === externalId) return { port, fixed: ip.ip_address, router: router.id };
  }
  throw new NeutronError(
    404,
    'ExternalGatewayForFloatingIPNotFound',
    `External network ${externalId} is not reachable from subnet ${ip.subnet_id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`,
  );
}

export const floatingIpOps: ResourceOps = {
  def: FLOATING_IP,
  table: 'floating_ips',
  path: '/v2.0/floatingips',
  quota: 'floatingip',
  notFound: floatingIpNotFound,
  async create(deps, req, p) {
    const v = p.values;
    if (p.explicit.has('floating_ip_address') && !req.ctx.is_admin) throw denied('create_floatingip', ['floating_ip_address']);
    const netId = String(v.floating_network_id);
    const net = await deps.store.get('networks', netId);
    if (!net) throw notFound('NetworkNotFound', `Network ${netId} could not be found.`);
    if (net['router:external'] !== true) throw badResourceRequest('floatingip', `Network ${netId} is not a valid external network`);
    const id = randomUUID();
    const project = String(v.project_id);
    const assoc = typeof v.port_id === 'string' ? await association(deps, req.ctx, netId, v.port_id, v.fixed_ip_address, id) : null;
    const requested: Record<string, unknown>[] | undefined =
      v.floating_ip_address !== undefined || v.subnet_id !== undefined
        ? [{ ...(v.subnet_id ? { subnet_id: v.subnet_id } : {}), ...(v.floating_ip_address ? { ip_address: v.floating_ip_address } : {}) }]
        : undefined;
    let fip: Doc | null = null;
    await writePort(deps.store, {
      doc: serviceDoc('', netId, id, 'network:floatingip'),
      networkId: netId,
      requested,
      baseMac: deps.conf.base_mac,
      also: async (s, port) => {
        const ip = (port.fixed_ips as FixedIp[]).find((f) => !f.ip_address.includes(':')) ?? (port.fixed_ips as FixedIp[])[0];
        if (!ip) throw new NeutronError(400, 'ExternalIpAddressExhausted', `Unable to find any IP address on external network ${netId}.`);
        fip = await s.insert(
          'floating_ips',
          {
            id,
            project_id: project,
            tenant_id: project,
            description: v.description,
            floating_ip_address: ip.ip_address,
            floating_network_id: netId,
            router_id: assoc?.router ?? null,
            port_id: assoc?.port.id ?? null,
            fixed_ip_address: assoc?.fixed ?? null,
            status: 'DOWN',
            port_details: null,
            dns_domain: '',
            dns_name: '',
            qos_policy_id: null,
            port_forwardings: [],
            tags: [],
            _port_id: port.id,
          },
          { parent_id: netId, ref_id: assoc?.port.id ?? null },
        );
      },
    });
    if (!fip) throw floatingIpNotFound(id);
    return fip;
  },
  async update(deps, req, doc, p) {
    const v = p.values;
    let next: Doc = { ...doc, ...v };
    if (v.port_id !== undefined) {
      if (v.port_id === null) next = { ...next, port_id: null, fixed_ip_address: null, router_id: null };
      else {
        const assoc = await association(deps, req.ctx, String(doc.floating_network_id), String(v.port_id), v.fixed_ip_address, doc.id);
        next = { ...next, port_id: assoc.port.id, fixed_ip_address: assoc.fixed, router_id: assoc.router };
      }
    }
    const updated = await deps.store.update('floating_ips', next, { ref_id: typeof next.port_id === 'string' ? next.port_id : null });
    if (!updated) throw floatingIpNotFound(doc.id);
    return updated;
  },
  async remove(deps, _req, doc) {
    const port = await deps.store.get('ports', String(doc._port_id));
    await deps.store.transaction(async (s) => {
      if (port) {
        await s.release(port.id);
        await s.delete('ports', port.id);
      }
      await s.delete('floating_ips', doc.id);
    });
  },
};
